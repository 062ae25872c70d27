package dev.reason.model;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Each token's bytes as the tokenizer's decoder emits them, for the decoders of the Llama family's vocabularies:
 * byte-level (GPT-2's byte-to-character map: Qwen2, Llama 3, SmolLM), SentencePiece-style ({@code ▁} for a space,
 * {@code <0xNN>} byte-fallback tokens, the text's first space dropped: Llama 2, Mistral) and pieces joined as they
 * are (Fuse: the shipped model). Decoding each token alone cannot do this: a byte-level token may hold half a
 * character, and a SentencePiece token decoded alone loses its word's space.
 */
final class TokenBytes {
    private static final String SPACE_MARK = "\u2581";  // ▁
    private static final Map<Character, Byte> BYTE_OF_CHAR = byteLevelChars();
    private static final byte[] NONE = new byte[0];

    /** Per token id: its bytes; null for special tokens (skipped, as decoding skips them). */
    private final byte[][] bytes;
    private final boolean dropFirstSpace;

    private TokenBytes(byte[][] bytes, boolean dropFirstSpace) {
        this.bytes = bytes;
        this.dropFirstSpace = dropFirstSpace;
    }

    private enum Kind { BYTE_LEVEL, SENTENCEPIECE, PLAIN }

    /** The table for a tokenizer.json, or null when its model or decoder is one this class does not model. */
    static TokenBytes of(JsonNode tokenizer, int size) {
        JsonNode decoder = tokenizer.path("decoder");
        List<JsonNode> steps = new ArrayList<>();
        if (decoder.path("type").asText().equals("Sequence")) {
            decoder.path("decoders").forEach(steps::add);
        } else if (decoder.isObject()) {
            steps.add(decoder);
        }
        boolean byteLevel = false;
        boolean spaceMark = false;
        boolean byteFallback = false;
        boolean fused = false;
        boolean dropFirstSpace = false;
        for (JsonNode step : steps) {
            switch (step.path("type").asText()) {
                case "ByteLevel" -> byteLevel = true;
                case "Replace" -> {
                    if (!step.path("pattern").path("String").asText().equals(SPACE_MARK)
                            || !step.path("content").asText().equals(" ")) {
                        return null;
                    }
                    spaceMark = true;
                }
                case "ByteFallback" -> byteFallback = true;
                case "Fuse" -> fused = true;
                case "Strip" -> {  // after Fuse it strips the whole text; before, every token
                    if (!fused || !step.path("content").asText().equals(" ") || step.path("start").asInt() != 1
                            || step.path("stop").asInt() != 0) {
                        return null;
                    }
                    dropFirstSpace = true;
                }
                case "Metaspace" -> {
                    if (!step.path("replacement").asText(SPACE_MARK).equals(SPACE_MARK)) {
                        return null;
                    }
                    spaceMark = true;
                    String scheme = step.path("prepend_scheme").asText(
                            step.path("add_prefix_space").asBoolean(true) ? "always" : "never");
                    dropFirstSpace = !scheme.equals("never");
                }
                default -> {
                    return null;
                }
            }
        }
        Kind kind = null;
        if (byteLevel && !spaceMark && !byteFallback) {
            kind = Kind.BYTE_LEVEL;
        } else if (spaceMark && !byteLevel) {
            kind = Kind.SENTENCEPIECE;
        } else if (fused && steps.size() == 1) {
            kind = Kind.PLAIN;
        }
        Map<Integer, String> tokens = vocabulary(tokenizer.path("model"));
        if (kind == null || tokens == null) {
            return null;
        }
        byte[][] table = new byte[size][];
        Arrays.fill(table, NONE);
        for (Map.Entry<Integer, String> token : tokens.entrySet()) {
            if (token.getKey() >= 0 && token.getKey() < size) {
                table[token.getKey()] = bytes(token.getValue(), kind, byteFallback);
            }
        }
        for (JsonNode added : tokenizer.path("added_tokens")) {
            int id = added.path("id").asInt(-1);
            if (id >= 0 && id < size) {
                table[id] = added.path("special").asBoolean(false) ? null
                        : bytes(added.path("content").asText(), kind, byteFallback);
            }
        }
        return new TokenBytes(table, dropFirstSpace);
    }

    /** id to token of the model's vocabulary: an object (BPE, WordLevel) or a list of [piece, score] (Unigram). */
    private static Map<Integer, String> vocabulary(JsonNode model) {
        JsonNode vocab = model.path("vocab");
        Map<Integer, String> tokens = new HashMap<>();
        if (vocab.isObject()) {
            vocab.fields().forEachRemaining(e -> tokens.put(e.getValue().asInt(), e.getKey()));
        } else if (vocab.isArray()) {
            for (int i = 0; i < vocab.size(); i++) {
                tokens.put(i, vocab.get(i).path(0).asText());
            }
        } else {
            return null;
        }
        return tokens;
    }

    private static byte[] bytes(String token, Kind kind, boolean byteFallback) {
        return switch (kind) {
            case BYTE_LEVEL -> byteLevel(token);
            case SENTENCEPIECE -> byteFallback && isByteToken(token)
                    ? new byte[] {(byte) Integer.parseInt(token.substring(3, 5), 16)}
                    : token.replace(SPACE_MARK, " ").getBytes(StandardCharsets.UTF_8);
            case PLAIN -> token.getBytes(StandardCharsets.UTF_8);
        };
    }

    /** Every character mapped back to its byte, or the token's own UTF-8 if one of them is not in the map. */
    private static byte[] byteLevel(String token) {
        byte[] out = new byte[token.length()];
        for (int i = 0; i < token.length(); i++) {
            Byte b = BYTE_OF_CHAR.get(token.charAt(i));
            if (b == null) {
                return token.getBytes(StandardCharsets.UTF_8);
            }
            out[i] = b;
        }
        return out;
    }

    /** {@code <0xNN>}: one byte of a character the vocabulary has no token for. */
    private static boolean isByteToken(String token) {
        return token.length() == 6 && token.startsWith("<0x") && token.endsWith(">")
                && HexFormat.isHexDigit(token.charAt(3)) && HexFormat.isHexDigit(token.charAt(4));
    }

    /** GPT-2's map of the 256 bytes to printable characters (printable ASCII and Latin-1 map to themselves). */
    private static Map<Character, Byte> byteLevelChars() {
        Map<Character, Byte> map = new HashMap<>();
        int shifted = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            map.put((char) (printable ? b : 256 + shifted++), (byte) b);
        }
        return map;
    }

    /** A chain's text: the bytes of its tokens, each complete character as soon as its last byte has come. */
    TextStream stream() {
        return new TextStream() {
            private byte[] pending = NONE;  // the start of a character whose other bytes are to come
            private boolean first = true;

            @Override
            public String next(int token) {
                byte[] b = token >= 0 && token < bytes.length ? bytes[token] : NONE;
                if (b == null) {
                    return "";
                }
                int from = 0;
                if (first) {
                    first = false;
                    from = dropFirstSpace && b.length > 0 && b[0] == ' ' ? 1 : 0;
                }
                if (pending.length == 0 && completeUpTo(b) == b.length) {  // the usual token: no copies
                    return new String(b, from, b.length - from, StandardCharsets.UTF_8);
                }
                byte[] all = Arrays.copyOf(pending, pending.length + b.length - from);
                System.arraycopy(b, from, all, pending.length, b.length - from);
                int end = completeUpTo(all);
                pending = Arrays.copyOfRange(all, end, all.length);
                return new String(all, 0, end, StandardCharsets.UTF_8);
            }
        };
    }

    /** Where the last character starts if its bytes are not all there yet, else the length. */
    static int completeUpTo(byte[] b) {
        for (int i = b.length - 1; i >= Math.max(0, b.length - 4); i--) {
            int lead = b[i] & 0xFF;
            if ((lead & 0xC0) == 0x80) {
                continue;  // a continuation byte: its lead is further back
            }
            int length = lead >= 0xF0 && lead <= 0xF4 ? 4 : lead >= 0xE0 && lead <= 0xEF ? 3
                    : lead >= 0xC2 && lead <= 0xDF ? 2 : 1;
            return i + length > b.length ? i : b.length;
        }
        return b.length;
    }
}
