package dev.reason.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reason.search.answer.AnswerExtractor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

class DatasetsTest {

    @TempDir
    Path tmp;

    // ---- the real public sets ----

    @Test
    void gsm8kTestSplit() {
        List<Problem> all = Datasets.gsm8k(SharedDatasets.dir().resolve("gsm8k/test.jsonl"));
        assertEquals(1319, all.size());
        Problem first = all.get(0);
        assertEquals("gsm8k-1", first.id());
        assertEquals("18", first.answer());
        assertEquals("gsm8k", first.dataset());
        assertTrue(first.question().startsWith("Janet\u2019s ducks lay 16 eggs per day."));
        assertNull(first.difficulty());
        assertNull(first.numbers());
        assertEquals("1450000", all.get(611).answer()); // "#### 1,450,000"
        assertEquals("-10", all.get(489).answer());
        assertEquals("gsm8k-1319", all.get(1318).id());
    }

    @Test
    void gsm8kReferenceSolutionsGradeAsCorrect() throws IOException {
        // The extractor reads the "#### N" line of every worked solution, and grading accepts it.
        Path file = SharedDatasets.dir().resolve("gsm8k/test.jsonl");
        List<Problem> all = Datasets.gsm8k(file);
        List<String> lines = Files.readAllLines(file);
        ObjectMapper json = new ObjectMapper();
        for (int i = 0; i < all.size(); i++) {
            String solution = json.readTree(lines.get(i)).get("answer").asText();
            String extracted = AnswerExtractor.extract(solution).orElseThrow().value();
            assertTrue(Equivalence.correct(all.get(i), extracted), all.get(i).id() + ": " + extracted);
            assertFalse(Equivalence.correct(all.get(i), extracted + "1"), all.get(i).id());
        }
    }

    @Test
    void svamp() {
        List<Problem> all = Datasets.svamp(SharedDatasets.dir().resolve("svamp/SVAMP.json"));
        assertEquals(1000, all.size());
        Problem first = all.get(0);
        assertEquals("chal-1", first.id());
        assertEquals("51", first.answer());
        assertEquals("Each pack of dvds costs 76 dollars. If there is a discount of 25 dollars on each pack "
                + "How much do you have to pay to buy each pack?", first.question());
        assertEquals("svamp", first.dataset());
        assertEquals("chal-1000", all.get(999).id());
        assertEquals("11", all.get(999).answer());
        assertTrue(all.stream().noneMatch(p -> p.answer().contains(".") || p.question().contains("  ")));
    }

    @Test
    void math500() {
        List<Problem> all = Datasets.math500(SharedDatasets.dir().resolve("math500/test.jsonl"));
        assertEquals(500, all.size());
        Problem first = all.get(0);
        assertEquals("test/precalculus/807.json", first.id());
        assertEquals("\\left( 3, \\frac{\\pi}{2} \\right)", first.answer());
        assertEquals("level 2", first.difficulty());
        assertEquals("math500", first.dataset());
        assertTrue(first.question().startsWith("Convert the point $(0,3)$"));
        assertEquals("\\frac{14}{3}", all.get(2).answer());
        assertEquals("level 3", all.get(2).difficulty());
        assertEquals("106^\\circ", all.get(499).answer());
        assertEquals(134, all.stream().filter(p -> "level 5".equals(p.difficulty())).count());
        assertEquals(500, all.stream().map(Problem::id).distinct().count());
    }

    @Test
    void aqua() {
        List<Problem> all = Datasets.aqua(SharedDatasets.dir().resolve("aqua/test.json"));
        assertEquals(254, all.size());
        Problem first = all.get(0);
        assertEquals("aqua-1", first.id());
        assertEquals("A", first.answer());
        assertEquals("aqua", first.dataset());
        assertTrue(first.question().startsWith("A car is being driven"));
        assertTrue(first.question().contains("?\nA)5(\u221a3 + 1)\nB)6(\u221a3 + \u221a2)\n"));
        assertTrue(first.question().endsWith("\nE)None of these"));
        assertEquals("E", all.get(1).answer());
        assertEquals(63, all.stream().filter(p -> p.answer().equals("A")).count());
    }

    @Test
    void game24TestRanksAndWholeTable() {
        Path csv = SharedDatasets.dir().resolve("game24/24.csv");
        List<Problem> test = Datasets.game24(csv, Datasets.GAME24_TEST_FROM, Datasets.GAME24_TEST_TO);
        assertEquals(100, test.size());
        Problem first = test.get(0);
        assertEquals("game24-901", first.id());
        assertArrayEquals(new int[] {4, 5, 6, 10}, first.numbers());
        assertEquals("Use 4 5 6 10 to make 24.", first.question());
        assertNull(first.answer());
        assertEquals("game24", first.dataset());
        assertEquals("game24-1000", test.get(99).id());
        List<Problem> all = Datasets.game24(csv);
        assertEquals(1362, all.size());
        assertArrayEquals(new int[] {1, 1, 4, 6}, all.get(0).numbers());
        assertArrayEquals(new int[] {2, 3, 5, 12}, all.get(1361).numbers());
    }

    @Test
    void byNameResolvesEachPublicSetUnderTheSharedFolder() {
        Path shared = SharedDatasets.dir();
        assertEquals(1319, Datasets.byName("gsm8k", shared).size());
        assertEquals(1000, Datasets.byName("svamp", shared).size());
        assertEquals(500, Datasets.byName("math500", shared).size());
        assertEquals(254, Datasets.byName("aqua", shared).size());
        List<Problem> game24 = Datasets.byName("GAME24", shared);
        assertEquals(100, game24.size());
        assertEquals("game24-901", game24.get(0).id());
    }

    @Test
    void loadTellsTheRealFormatsApart() {
        Path shared = SharedDatasets.dir();
        assertEquals(Datasets.gsm8k(shared.resolve("gsm8k/test.jsonl")), Datasets.load(shared.resolve("gsm8k/test.jsonl")));
        assertEquals(Datasets.svamp(shared.resolve("svamp/SVAMP.json")), Datasets.load(shared.resolve("svamp/SVAMP.json")));
        assertEquals(Datasets.math500(shared.resolve("math500/test.jsonl")),
                Datasets.load(shared.resolve("math500/test.jsonl")));
        assertEquals(Datasets.aqua(shared.resolve("aqua/test.json")), Datasets.load(shared.resolve("aqua/test.json")));
        assertEquals(1362, Datasets.load(shared.resolve("game24/24.csv")).size());
        // A path given to byName goes the same way.
        assertEquals(254, Datasets.byName(shared.resolve("aqua/test.json").toString(), tmp).size());
    }

    // ---- custom files ----

    @Test
    void jsonlTakesNumbersOrStringsAndOptionalFields() throws IOException {
        Path file = write("mine.jsonl",
                "{\"question\": \"2+2?\", \"answer\": 4.0}\n"
                + "\n"
                + "{\"question\": \"half?\", \"answer\": \"\\\\frac{1}{2}\", \"family\": \"math\", \"difficulty\": 3, \"id\": 17}\n"
                + "{\"question\": \"Use 1 2 3 4 to make 24.\", \"numbers\": [1, 2, 3, 4], \"difficulty\": \"hard\"}\n");
        List<Problem> ps = Datasets.jsonl(file);
        assertEquals(3, ps.size());
        assertEquals(new Problem("mine-1", "2+2?", "4", "mine", null, null), ps.get(0));
        assertEquals(new Problem("17", "half?", "\\frac{1}{2}", "math", "3", null), ps.get(1));
        assertEquals(new Problem("mine-3", "Use 1 2 3 4 to make 24.", null, "mine", "hard", new int[] {1, 2, 3, 4}),
                ps.get(2));
        assertEquals(ps, Datasets.load(file));
        assertEquals(ps, Datasets.byName(file.toString(), tmp));
    }

    @Test
    void loadDetectsGsm8kStyleJsonlAndSvampStyleArrays() throws IOException {
        Path gsm = write("g.jsonl", "{\"question\": \"q\", \"answer\": \"step\\n#### 1,234\"}\n");
        assertEquals(List.of(new Problem("gsm8k-1", "q", "1234", "gsm8k", null, null)), Datasets.load(gsm));
        Path sv = write("s.json", "[{\"ID\": \"x-1\", \"Body\": \" Tom has 3 apples \", \"Question\": \"How many?\", \"Answer\": 3.0}]");
        assertEquals(List.of(new Problem("x-1", "Tom has 3 apples How many?", "3", "svamp", null, null)),
                Datasets.load(sv));
        Path array = write("a.json", "[{\"question\": \"q\", \"answer\": 2}]");
        assertEquals(List.of(new Problem("a-1", "q", "2", "a", null, null)), Datasets.load(array));
        Path aq = write("aq.jsonl", "{\"question\": \"Pick\", \"options\": [\"A)1\", \"B)2\"], \"correct\": \"b\"}\n");
        assertEquals(List.of(new Problem("aqua-1", "Pick\nA)1\nB)2", "B", "aqua", null, null)), Datasets.load(aq));
        Path math = write("m.jsonl", "{\"problem\": \"p\", \"answer\": \"\\\\pi\", \"level\": 5}\n");
        assertEquals(List.of(new Problem("math500-1", "p", "\\pi", "math500", "level 5", null)), Datasets.load(math));
    }

    @Test
    void game24RankRangeOnASmallTable() throws IOException {
        Path csv = write("t.csv", "Rank,Puzzles,AMT (s),Solved rate\n1,1 1 4 6,4.4,99%\n2,2  3 5 12,5,50%\n3,1 2 3 4,6,40%");
        List<Problem> mid = Datasets.game24(csv, 2, 3);
        assertEquals(2, mid.size());
        assertEquals(new Problem("game24-2", "Use 2 3 5 12 to make 24.", null, "game24", null, new int[] {2, 3, 5, 12}),
                mid.get(0));
        assertEquals(3, Datasets.game24(csv).size());
    }

    // ---- errors: one line naming the file and the fault ----

    @Test
    void missingFileIsOneLine() {
        Path missing = tmp.resolve("nope.jsonl");
        assertOneLine(() -> Datasets.gsm8k(missing), "nope.jsonl: no such file");
        assertOneLine(() -> Datasets.svamp(missing), "nope.jsonl: no such file");
        assertOneLine(() -> Datasets.game24(missing), "nope.jsonl: no such file");
        assertOneLine(() -> Datasets.byName("gsm9k", tmp), "gsm9k: no such file, and not a dataset name");
        assertOneLine(() -> Datasets.byName("gsm8k", tmp), "test.jsonl: no such file");
    }

    @Test
    void malformedLinesAreNamedByNumber() throws IOException {
        Path bad = write("bad.jsonl", "{\"question\": \"q\", \"answer\": \"#### 1\"}\n{\"question\": oops}\n");
        assertOneLine(() -> Datasets.gsm8k(bad), "bad.jsonl: line 2: malformed JSON");
        Path noMarker = write("nomarker.jsonl", "{\"question\": \"q\", \"answer\": \"#### 1\"}\n\n{\"question\": \"q\", \"answer\": \"5\"}\n");
        assertOneLine(() -> Datasets.gsm8k(noMarker), "nomarker.jsonl: line 3: \"answer\" does not end with a '#### <number>' line");
        Path noQuestion = write("noq.jsonl", "{\"answer\": 3}\n");
        assertOneLine(() -> Datasets.jsonl(noQuestion), "noq.jsonl: line 1: no \"question\" field");
        Path noAnswer = write("noa.jsonl", "{\"question\": \"q\"}\n");
        assertOneLine(() -> Datasets.jsonl(noAnswer), "noa.jsonl: line 1: no \"answer\" field");
        Path badLetter = write("aq.jsonl", "{\"question\": \"q\", \"options\": [\"A)1\"], \"correct\": \"F\"}\n");
        assertOneLine(() -> Datasets.aqua(badLetter), "aq.jsonl: line 1: \"correct\" is not a letter A-E: F");
        Path svampBad = write("sv.json", "[{\"Body\": \"b\", \"Question\": \"q\"}]");
        assertOneLine(() -> Datasets.svamp(svampBad), "sv.json: record 1: no \"Answer\" field");
        Path svampBroken = write("svb.json", "[\n{\"Body\": \"b\",\n \"Question\" \"q\"}]");
        assertOneLine(() -> Datasets.svamp(svampBroken), "svb.json: line 3: malformed JSON");
        Path notArray = write("na.json", "{\"a\": 1}");
        assertOneLine(() -> Datasets.svamp(notArray), "na.json: expected a JSON array");
        Path empty = write("empty.jsonl", "\n\n");
        assertOneLine(() -> Datasets.load(empty), "empty.jsonl: the file is empty");
        assertOneLine(() -> Datasets.jsonl(empty), "empty.jsonl: no problems in the file");
        Path text = write("notes.txt", "hello");
        assertOneLine(() -> Datasets.load(text), "notes.txt: not a known dataset format");
    }

    @Test
    void game24TableErrors() throws IOException {
        Path header = write("h.csv", "A,B\n1,2\n");
        assertOneLine(() -> Datasets.game24(header), "h.csv: line 1: the header has no Rank and Puzzles columns");
        Path bad = write("b.csv", "Rank,Puzzles\n1,1 1 4 six\n");
        assertOneLine(() -> Datasets.game24(bad), "b.csv: line 2: Rank or Puzzles is not a whole number");
        Path ok = write("ok.csv", "Rank,Puzzles\n1,1 1 4 6\n");
        assertOneLine(() -> Datasets.game24(ok, 901, 1000), "ok.csv: no puzzles with rank 901..1000");
        assertOneLine(() -> Datasets.game24(ok, 5, 4), "game24 rank range is empty: 5..4");
    }

    private Path write(String name, String content) throws IOException {
        return Files.writeString(tmp.resolve(name), content, StandardCharsets.UTF_8);
    }

    private static void assertOneLine(Executable call, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(expected), "message was: " + e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "message has several lines: " + e.getMessage());
    }
}
