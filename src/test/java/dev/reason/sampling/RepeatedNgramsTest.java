package dev.reason.sampling;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RepeatedNgramsTest {
    private static int[] banned(int n, int[] sequence) {
        return RepeatedNgrams.banned(n, sequence, new int[0], 0);
    }

    @Test
    void aTokenThatWouldCompleteAnEarlierNgramIsBanned() {
        int[] s = {5, 6, 7, 5, 6};
        assertArrayEquals(new int[] {7}, banned(2, s), "6 was followed by 7");
        assertArrayEquals(new int[] {7}, banned(3, s), "5 6 was followed by 7");
        assertArrayEquals(new int[] {}, banned(4, s), "7 5 6 never occurred before");
        assertArrayEquals(new int[] {5, 6, 7}, banned(1, s), "1-grams: every token already there");
        assertArrayEquals(new int[] {}, banned(0, s), "0: off");
        assertArrayEquals(new int[] {}, banned(6, s), "no complete 6-gram yet");
        assertArrayEquals(new int[] {}, banned(7, s), "shorter than the n - 1 tokens a prefix needs");
        assertArrayEquals(new int[] {2, 3}, banned(2, new int[] {1, 2, 1, 3, 1, 2, 1}),
                "each follower once, in the order first seen");
    }

    @Test
    void thePromptAndTheChainAreOneSequence() {
        int[] prompt = {5, 6, 7};
        int[] chain = {5, 6, 99, 99};  // past chainLength: not part of the sequence
        assertArrayEquals(new int[] {7}, RepeatedNgrams.banned(3, prompt, chain, 2));
        assertArrayEquals(new int[] {7}, RepeatedNgrams.banned(2, new int[] {6, 7}, new int[] {8, 6}, 2),
                "an n-gram across the prompt's end counts");
        assertArrayEquals(new int[] {}, RepeatedNgrams.banned(3, new int[0], new int[] {1, 2}, 2));
        assertThrows(IllegalArgumentException.class, () -> RepeatedNgrams.banned(-1, prompt, chain, 0));
    }

    /** Hugging Face's way: a table from each n-gram's first n - 1 tokens to the tokens that followed them. */
    private static List<Integer> reference(int n, int[] s) {
        if (s.length + 1 < n) {
            return List.of();
        }
        Map<List<Integer>, Set<Integer>> table = new HashMap<>();
        for (int i = 0; i + n <= s.length; i++) {
            List<Integer> prefix = new ArrayList<>();
            for (int j = i; j < i + n - 1; j++) {
                prefix.add(s[j]);
            }
            table.computeIfAbsent(prefix, k -> new LinkedHashSet<>()).add(s[i + n - 1]);
        }
        List<Integer> last = new ArrayList<>();
        for (int j = s.length - (n - 1); j < s.length; j++) {
            last.add(s[j]);
        }
        return new ArrayList<>(table.getOrDefault(last, Set.of()));
    }

    @Test
    void matchesTheTableOfNgramsOnRandomSequences() {
        Random random = new Random(3);
        int nonEmpty = 0;
        for (int trial = 0; trial < 2000; trial++) {
            int n = 1 + random.nextInt(4);
            int[] s = random.ints(random.nextInt(30), 0, 2 + random.nextInt(4)).toArray();
            int split = random.nextInt(s.length + 1);
            int[] prompt = Arrays.copyOf(s, split);
            int[] chain = Arrays.copyOf(Arrays.copyOfRange(s, split, s.length), s.length - split + random.nextInt(3));
            int[] got = RepeatedNgrams.banned(n, prompt, chain, s.length - split);
            assertEquals(reference(n, s), Arrays.stream(got).boxed().toList(), n + "-grams of " + Arrays.toString(s));
            nonEmpty += got.length > 0 ? 1 : 0;
        }
        assertTrue(nonEmpty > 500, "most small-vocabulary sequences repeat something: " + nonEmpty);
    }

    @Test
    void bannedTokensGetNoProbabilityInTheirRowOnly() {
        float[] logits = {1f, 2f, 3f, 4f, 5f, 6f};
        RepeatedNgrams.ban(logits, 3, 3, new int[] {0, 2, 3});  // row 1 of two rows of 3; id 3 is past the row
        assertArrayEquals(new float[] {1f, 2f, 3f, Float.NEGATIVE_INFINITY, 5f, Float.NEGATIVE_INFINITY}, logits);
        TokenChoice greedy = new Sampler(SamplingParams.greedy(), 0).sample(new float[] {9f, 1f, 8f}, 0, 3, 0.5);
        assertEquals(0, greedy.token());
        float[] row = {9f, 1f, 8f};
        RepeatedNgrams.ban(row, 0, 3, new int[] {0});
        assertEquals(2, new Sampler(SamplingParams.greedy(), 0).sample(row, 0, 3, 0.5).token());
        for (double u : new double[] {0.0, 0.3, 0.7, 0.999}) {
            int t = new Sampler(new SamplingParams(1f, 0.9f, 2, 0.01f), 0).sample(row, 0, 3, u).token();
            assertTrue(t == 1 || t == 2, "a banned token is never drawn: " + t);
        }
    }
}
