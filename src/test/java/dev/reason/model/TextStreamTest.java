package dev.reason.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A chain's text streamed token by token equals Hugging Face's decoding of all its tokens at once (the tokenizers
 * library, through DJL), for the three kinds of vocabulary of the Llama family, built here by hand: byte-level
 * (Qwen2, Llama 3, SmolLM), SentencePiece with byte fallback (Llama 2, Mistral: both decoder forms) and the shipped
 * model's plain pieces.
 */
class TextStreamTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SP = "\u2581";
    /** Text a model writes: ASCII, Latin-1, math signs, CJK, an emoji (4 bytes), digits and newlines. */
    private static final String[] WORDS = {"the", "cat", "12", "×", "÷", "π", "√2", "é", "café", "你好", "🙂", "=",
        "#### 42", "\n", "  ", "x+y", "Ω"};

    @Test
    void byteLevelCharactersSplitAcrossTokensComeWhole(@TempDir Path dir) throws Exception {
        ObjectNode vocab = JSON.createObjectNode();
        List<String> chars = byteLevelChars();
        for (int b = 0; b < 256; b++) {
            vocab.put(chars.get(b), b);
        }
        String g = chars.get(' ');
        // merges make some whole words and one two-byte character ("×", bytes C3 97) single tokens
        String times = chars.get(0xC3) + chars.get(0x97);
        List<String> merges = List.of(g + " t", g + "t h", g + "th e", chars.get(0xC3) + " " + chars.get(0x97));
        vocab.put(g + "t", 256).put(g + "th", 257).put(g + "the", 258).put(times, 259);
        ObjectNode tokenizer = tokenizer(vocab, merges, false);
        tokenizer.putObject("pre_tokenizer").put("type", "ByteLevel").put("add_prefix_space", false)
                .put("trim_offsets", true).put("use_regex", true);
        tokenizer.putObject("decoder").put("type", "ByteLevel").put("add_prefix_space", true)
                .put("trim_offsets", true).put("use_regex", true);
        special(tokenizer, 260, "<|endoftext|>");
        try (Tokenizer t = write(dir, tokenizer, 261)) {
            int[] times2 = t.encode("×");
            assertEquals(1, times2.length, "the merged character");
            int[] pi = t.encode("π");
            assertEquals(2, pi.length, "π is two byte tokens");
            TextStream s = t.stream();
            assertEquals("", s.next(pi[0]), "half a character waits");
            assertEquals("π", s.next(pi[1]));
            assertStreamsAsDecoded(t, 260);
        }
    }

    @Test
    void sentencePieceKeepsWordSpacesAndJoinsByteFallbackTokens(@TempDir Path dir) throws Exception {
        for (boolean metaspaceDecoder : new boolean[] {false, true}) {
            ObjectNode tokenizer = sentencePiece(metaspaceDecoder);
            int size = tokenizer.path("model").path("vocab").size();
            try (Tokenizer t = write(dir.resolve("m" + metaspaceDecoder), tokenizer, size)) {
                int[] ids = t.encode("the cat");
                TextStream s = t.stream();
                StringBuilder text = new StringBuilder();
                for (int id : ids) {
                    text.append(s.next(id));
                }
                assertEquals("the cat", text.toString(), "decoding each token alone gave 'thecat'");
                assertStreamsAsDecoded(t, 2);
            }
        }
    }

    @Test
    void theShippedModelsPiecesAreItsText() {
        try (ModelDirectory m = ModelDirectory.open(Path.of("models", "reason-mini"))) {
            assertStreamsAsDecoded(m.tokenizer(), -1);
        }
    }

    @Test
    void aCharacterStartsWhereItsLeadByteIs() {
        assertEquals(0, TokenBytes.completeUpTo(new byte[] {(byte) 0xE4}));
        assertEquals(1, TokenBytes.completeUpTo(new byte[] {'a', (byte) 0xE4, (byte) 0xBD}));
        assertEquals(4, TokenBytes.completeUpTo(new byte[] {'a', (byte) 0xE4, (byte) 0xBD, (byte) 0xA0}));
        assertEquals(1, TokenBytes.completeUpTo(new byte[] {'a', (byte) 0xF0, (byte) 0x9F, (byte) 0x99}));
        assertEquals(2, TokenBytes.completeUpTo(new byte[] {(byte) 0x80, (byte) 0x80}), "no lead byte: invalid, out");
        assertEquals(2, TokenBytes.completeUpTo(new byte[] {'a', (byte) 0xFF}), "not a lead byte: out as it is");
    }

    /**
     * Random texts from {@link #WORDS}, encoded by the tokenizer, streamed token by token with a special token now
     * and then ({@code special} &lt; 0: none), equal the library's decoding of the same ids.
     */
    private static void assertStreamsAsDecoded(Tokenizer t, int special) {
        SplittableRandom random = new SplittableRandom(7);
        for (int trial = 0; trial < 200; trial++) {
            StringBuilder text = new StringBuilder();
            for (int w = random.nextInt(1, 12); w > 0; w--) {
                text.append(random.nextBoolean() ? " " : "").append(WORDS[random.nextInt(WORDS.length)]);
            }
            List<Integer> ids = new ArrayList<>();
            for (int id : t.encode(text.toString())) {
                if (special >= 0 && random.nextInt(10) == 0) {
                    ids.add(special);
                }
                ids.add(id);
            }
            int[] all = ids.stream().mapToInt(Integer::intValue).toArray();
            TextStream s = t.stream();
            StringBuilder streamed = new StringBuilder();
            for (int id : all) {
                streamed.append(s.next(id));
            }
            String decoded = t.decode(all, all.length);
            assertTrue(!decoded.contains("\uFFFD"), decoded);
            assertEquals(decoded, streamed.toString(), "text " + JSON.valueToTree(text.toString()));
        }
    }

    private static Tokenizer write(Path dir, ObjectNode tokenizer, int size) throws Exception {
        Files.createDirectories(dir);
        Path file = dir.resolve("tokenizer.json");
        JSON.writeValue(file.toFile(), tokenizer);
        return new Tokenizer(file, size);
    }

    private static ObjectNode tokenizer(ObjectNode vocab, List<String> merges, boolean byteFallback) {
        ObjectNode t = JSON.createObjectNode();
        t.put("version", "1.0");
        t.putNull("truncation");
        t.putNull("padding");
        t.putArray("added_tokens");
        t.putNull("normalizer");
        t.putNull("pre_tokenizer");
        t.putNull("post_processor");
        t.putNull("decoder");
        ObjectNode model = t.putObject("model");
        model.put("type", "BPE").putNull("dropout");
        model.putNull("unk_token");
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", byteFallback).put("byte_fallback", byteFallback);
        model.set("vocab", vocab);
        ArrayNode m = model.putArray("merges");
        merges.forEach(m::add);
        return t;
    }

    private static void special(ObjectNode tokenizer, int id, String content) {
        ((ArrayNode) tokenizer.get("added_tokens")).addObject().put("id", id).put("content", content)
                .put("single_word", false).put("lstrip", false).put("rstrip", false).put("normalized", false)
                .put("special", true);
    }

    /** Llama 2's layout: ▁ for spaces, a byte token for every byte, letters and a few merged words. */
    private static ObjectNode sentencePiece(boolean metaspaceDecoder) {
        Map<String, Integer> v = new LinkedHashMap<>();
        for (String s : List.of("<unk>", "<s>", "</s>")) {
            v.put(s, v.size());
        }
        for (int b = 0; b < 256; b++) {
            v.put(String.format("<0x%02X>", b), v.size());
        }
        for (char c : (SP + "abcdefghijklmnopqrstuvwxyz0123456789#=+\u00e9").toCharArray()) {
            v.put(String.valueOf(c), v.size());
        }
        for (String s : List.of(SP + "t", SP + "th", SP + "the", SP + "c", SP + "ca", SP + "cat")) {
            v.put(s, v.size());
        }
        ObjectNode vocab = JSON.createObjectNode();
        v.forEach(vocab::put);
        ObjectNode t = tokenizer(vocab, List.of(SP + " t", SP + "t h", SP + "th e", SP + " c", SP + "c a",
                SP + "ca t"), true);
        ((ObjectNode) t.get("model")).put("unk_token", "<unk>");
        special(t, 0, "<unk>");
        special(t, 1, "<s>");
        special(t, 2, "</s>");
        if (metaspaceDecoder) {  // newer exports: a Metaspace pre-tokenizer and decoder
            t.putObject("pre_tokenizer").put("type", "Metaspace").put("replacement", SP)
                    .put("prepend_scheme", "first").put("split", false);
            t.putObject("decoder").put("type", "Metaspace").put("replacement", SP)
                    .put("prepend_scheme", "first").put("split", false);
        } else {  // Llama 2's: a normalizer that writes the ▁, a decoder chain that undoes it
            ObjectNode n = t.putObject("normalizer").put("type", "Sequence");
            ArrayNode ns = n.putArray("normalizers");
            ns.addObject().put("type", "Prepend").put("prepend", SP);
            ns.addObject().put("type", "Replace").put("content", SP).putObject("pattern").put("String", " ");
            ObjectNode d = t.putObject("decoder").put("type", "Sequence");
            ArrayNode ds = d.putArray("decoders");
            ds.addObject().put("type", "Replace").put("content", " ").putObject("pattern").put("String", SP);
            ds.addObject().put("type", "ByteFallback");
            ds.addObject().put("type", "Fuse");
            ds.addObject().put("type", "Strip").put("content", " ").put("start", 1).put("stop", 0);
        }
        return t;
    }

    /** GPT-2's byte-to-character map, as the byte-level tokenizers write their vocabularies. */
    private static List<String> byteLevelChars() {
        List<String> chars = new ArrayList<>();
        int shifted = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            chars.add(String.valueOf((char) (printable ? b : 256 + shifted++)));
        }
        return chars;
    }
}
