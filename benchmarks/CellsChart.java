import dev.reason.bench.Charts;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Draws the cells of benchmarks/redraw.sh (its cells.csv) as accuracy against tokens per question, one chart per set,
 * one curve per way of searching (sampling alone, redraws, redraws with backtracking), with the project's own charts.
 * Run by redraw.sh: java -cp target/reason.jar benchmarks/CellsChart.java DIR (writes DIR/accuracy_vs_tokens_SET.png).
 */
public class CellsChart {
    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        List<String> lines = Files.readAllLines(dir.resolve("cells.csv"));
        Map<String, Map<String, List<double[]>>> sets = new LinkedHashMap<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",");  // set,redraws,backtrack,samples,right,total,accuracy,tokens
            String method = f[1].equals("0") ? "sampling alone"
                    : "redraw " + f[1] + " a line" + (f[2].equals("yes") ? " + backtracking" : "");
            sets.computeIfAbsent(f[0], s -> new LinkedHashMap<>()).computeIfAbsent(method, m -> new ArrayList<>())
                    .add(new double[] {Double.parseDouble(f[7]), 100 * Double.parseDouble(f[6])});
        }
        for (Map.Entry<String, Map<String, List<double[]>>> set : sets.entrySet()) {
            Map<String, double[][]> series = new LinkedHashMap<>();
            set.getValue().forEach((method, points) -> {
                points.sort(Comparator.comparingDouble(p -> p[0]));
                series.put(method, points.toArray(new double[0][]));
            });
            String name = Charts.curves(set.getKey() + ": live search, every question spending its samples (seed 1)",
                    "tokens per question", "accuracy (%)", series, false, false, dir,
                    "accuracy_vs_tokens_" + set.getKey());
            System.out.println("wrote " + dir.resolve(name + ".png"));
        }
    }
}
