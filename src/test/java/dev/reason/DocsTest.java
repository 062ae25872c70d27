package dev.reason;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README stays a quick start (short, in short sentences), and no relative link of the README or docs/ is broken.
 * The shape is measured on prose only: code blocks, tables, headings and images are left out.
 */
class DocsTest {
    static final Path README = Path.of("README.md");
    static final Path DOCS = Path.of("docs");
    static final int MAX_LINES = 160;
    static final double MAX_MEAN_WORDS = 25;

    private static final Pattern FENCE = Pattern.compile("^\\s*(```|~~~)");
    private static final Pattern LIST_ITEM = Pattern.compile("^\\s*(?:[-*+]|\\d+[.)])\\s+");
    private static final Pattern INLINE_CODE = Pattern.compile("`[^`]*`");
    private static final Pattern IMAGE = Pattern.compile("!\\[[^\\]]*]\\([^)]*\\)");
    private static final Pattern LINK = Pattern.compile("\\[([^\\]]*)]\\(([^)\\s]+)(?:\\s+\"[^\"]*\")?\\)");
    private static final Pattern SENTENCE_END = Pattern.compile("(?<=[.!?])\\s+");
    private static final Pattern WORD = Pattern.compile("[\\p{L}\\p{N}]");

    /** A Markdown file's size and its prose's sentences. */
    record Shape(int lines, List<String> sentences) {
        int words() {
            return sentences.stream().mapToInt(DocsTest::words).sum();
        }

        double meanWords() {
            return sentences.isEmpty() ? 0 : (double) words() / sentences.size();
        }

        String describe(String name) {
            return String.format(Locale.ROOT, "%s: %d lines (at most %d), %d sentences, %.1f words a sentence (at most %.0f)",
                    name, lines, MAX_LINES, sentences.size(), meanWords(), MAX_MEAN_WORDS);
        }
    }

    /**
     * The prose's sentences: lines outside code blocks, tables, headings, images and HTML comments, joined into
     * paragraphs (a blank line or a list item starts a new one), split after '.', '?' or '!' and a space.
     */
    static Shape shape(List<String> lines) {
        List<String> sentences = new ArrayList<>();
        StringBuilder paragraph = new StringBuilder();
        boolean code = false;
        for (String line : lines) {
            if (FENCE.matcher(line).find()) {
                code = !code;
                flush(paragraph, sentences);
                continue;
            }
            String t = line.strip();
            if (code || t.isEmpty() || t.startsWith("#") || t.startsWith("|") || t.startsWith("<!--")
                    || IMAGE.matcher(t).replaceAll("").isBlank()) {
                flush(paragraph, sentences);
                continue;
            }
            Matcher item = LIST_ITEM.matcher(line);
            if (item.find()) {
                flush(paragraph, sentences);
                t = line.substring(item.end()).strip();
            }
            paragraph.append(paragraph.length() == 0 ? "" : " ").append(t);
        }
        flush(paragraph, sentences);
        return new Shape(lines.size(), sentences);
    }

    private static void flush(StringBuilder paragraph, List<String> sentences) {
        String text = LINK.matcher(IMAGE.matcher(paragraph).replaceAll("")).replaceAll("$1").strip();
        paragraph.setLength(0);
        for (String s : SENTENCE_END.split(text)) {
            if (words(s) > 0) {
                sentences.add(s.strip());
            }
        }
    }

    /** Words: whitespace-separated tokens with a letter or digit in them (a lone "·" or "-" is none). */
    static int words(String sentence) {
        return (int) Stream.of(sentence.split("\\s+")).filter(w -> WORD.matcher(w).find()).count();
    }

    @Test
    void theReadmeIsAShortQuickStart() throws IOException {
        Shape s = shape(Files.readAllLines(README));
        String measured = s.describe("README.md");
        System.out.println(measured);
        String longest = s.sentences().stream().sorted(Comparator.comparingInt(DocsTest::words).reversed()).limit(5)
                .map(x -> words(x) + " words: " + x).collect(Collectors.joining("\n  ", "\nlongest sentences:\n  ", ""));
        assertTrue(s.lines() <= MAX_LINES, measured + ": move detail into docs/");
        assertTrue(s.meanWords() <= MAX_MEAN_WORDS, measured + longest);
    }

    @Test
    void everyRelativeLinkOfTheReadmeAndDocsPointsToAFileThatExists() throws IOException {
        List<Path> pages = new ArrayList<>(List.of(README));
        try (Stream<Path> docs = Files.list(DOCS)) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
        }
        List<String> broken = new ArrayList<>();
        int checked = 0;
        for (Path page : pages) {
            for (String target : relativeLinks(Files.readAllLines(page))) {
                checked++;
                String problem = problem(page, target);
                if (problem != null) {
                    broken.add(page + ": " + target + " (" + problem + ")");
                }
            }
        }
        System.out.printf(Locale.ROOT, "%d relative links in %d pages%n", checked, pages.size());
        assertTrue(checked > 0, "no relative links found in " + pages);
        assertEquals(List.of(), broken, broken.size() + " of " + checked + " relative links are broken");
    }

    /** Why a link is broken, or null: its file is missing, or a Markdown file lacks its #anchor's heading. */
    private static String problem(Path page, String target) throws IOException {
        int hash = target.indexOf('#');
        String file = hash < 0 ? target : target.substring(0, hash);
        String anchor = hash < 0 ? null : target.substring(hash + 1);
        Path resolved = file.isEmpty() ? page : page.toAbsolutePath().getParent().resolve(file).normalize();
        if (!Files.exists(resolved)) {
            return "no such file";
        }
        if (anchor != null && resolved.toString().endsWith(".md") && !anchors(Files.readAllLines(resolved)).contains(anchor)) {
            return "no heading for #" + anchor;
        }
        return null;
    }

    /** The targets of links and images outside code, that are neither web addresses nor mail. */
    static List<String> relativeLinks(List<String> lines) {
        List<String> out = new ArrayList<>();
        boolean code = false;
        for (String line : lines) {
            if (FENCE.matcher(line).find()) {
                code = !code;
                continue;
            }
            if (code) {
                continue;
            }
            Matcher m = LINK.matcher(INLINE_CODE.matcher(line).replaceAll("code"));
            while (m.find()) {
                String target = m.group(2);
                if (!target.matches("(?i)[a-z][a-z0-9+.-]*:.*")) {
                    out.add(target);
                }
            }
        }
        return out;
    }

    /** GitHub's anchors of a page's headings: lower case, punctuation dropped, spaces as '-', repeats numbered. */
    static Set<String> anchors(List<String> lines) {
        Set<String> out = new LinkedHashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        boolean code = false;
        for (String line : lines) {
            if (FENCE.matcher(line).find()) {
                code = !code;
                continue;
            }
            Matcher h = Pattern.compile("^#{1,6}\\s+(.*?)\\s*#*\\s*$").matcher(line);
            if (code || !h.find()) {
                continue;
            }
            String text = LINK.matcher(h.group(1)).replaceAll("$1");
            String slug = text.toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-');
            int n = seen.merge(slug, 1, Integer::sum);
            out.add(n == 1 ? slug : slug + "-" + (n - 1));
        }
        return out;
    }

    @Test
    void sentencesAreCountedInProseOnly() {
        Shape s = shape(List.of(
                "# A heading. Not counted",
                "",
                "One two three. Four five",
                "six, [seven](docs/x.md) eight.",
                "- A list item of six words.",
                "1. Numbered, two sentences here. Yes!",
                "",
                "```",
                "code. is. not. prose.",
                "```",
                "| a table. | cell |",
                "![an image](x.png)",
                "<!-- a comment. -->",
                "Last · line"));
        assertEquals(List.of("One two three.", "Four five six, seven eight.", "A list item of six words.",
                "Numbered, two sentences here.", "Yes!", "Last · line"), s.sentences());
        assertEquals(14, s.lines());
        assertEquals(3 + 5 + 6 + 4 + 1 + 2, s.words());
    }

    @Test
    void linksAndAnchorsAreReadAsGitHubReadsThem() {
        assertEquals(List.of("docs/cli.md", "a.png", "#exit-codes"), relativeLinks(List.of(
                "See [the CLI](docs/cli.md) and ![chart](a.png), [web](https://example.com), [codes](#exit-codes).",
                "`[not a link](nowhere.md)`",
                "```",
                "[inside code](nowhere.md)",
                "```")));
        assertEquals(Set.of("exit-codes", "reason-bench", "redrawing-failing-lines-live-search", "faq", "faq-1"),
                anchors(List.of("## Exit codes", "### `reason bench`", "## Redrawing failing lines (live search)",
                        "```", "# not a heading", "```", "## FAQ", "## FAQ")));
    }
}
