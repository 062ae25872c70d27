package dev.reason.model;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/** A Hugging Face {@code tokenizer.json} through DJL's binding, set up for offline use and no truncation. */
public final class Tokenizer implements AutoCloseable {
    static {
        // DJL otherwise tries to reach its servers (usage tracking, hub look-ups); there is no network here.
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("offline", "true");
        System.setProperty("OPT_OUT_TRACKING", "true");
    }

    private final HuggingFaceTokenizer tokenizer;
    private final String[] pieces;
    private final TokenBytes tokenBytes;  // null: a decoder TokenBytes does not model

    Tokenizer(Path tokenizerJson, int vocabSize) {
        try {
            // Prompts come from the chat template, which writes special tokens itself; DJL would
            // otherwise truncate to 512 tokens and add its own.
            tokenizer = HuggingFaceTokenizer.newInstance(tokenizerJson, Map.of(
                    "addSpecialTokens", "false", "truncation", "false", "padding", "false",
                    "maxLength", String.valueOf(Integer.MAX_VALUE)));
        } catch (IOException | RuntimeException e) {
            throw new ModelException("cannot read " + tokenizerJson + " as a Hugging Face tokenizer ("
                    + e.getMessage() + "): re-export the model directory", e);
        }
        pieces = new String[vocabSize];
        try {
            tokenBytes = TokenBytes.of(new ObjectMapper().readTree(tokenizerJson.toFile()), vocabSize);
        } catch (IOException e) {
            throw new ModelException("cannot read " + tokenizerJson + " (" + e.getMessage() + ")", e);
        }
    }

    public int[] encode(String text) {
        Encoding e = tokenizer.encode(text, false, false);
        long[] ids = e.getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = (int) ids[i];
        }
        return out;
    }

    public String decode(int[] ids, int length) {
        long[] l = new long[length];
        for (int i = 0; i < length; i++) {
            l[i] = ids[i];
        }
        return tokenizer.decode(l, true);
    }

    /** The text of one token alone, cached: enough to watch a chain for its answer line while decoding. */
    public String piece(int id) {
        if (id < 0 || id >= pieces.length) {
            return "";
        }
        String p = pieces[id];
        if (p == null) {
            p = tokenizer.decode(new long[] {id}, true);
            pieces[id] = p;
        }
        return p;
    }

    /** A token as the vocabulary writes it, special tokens too ({@code </s>}, {@code <|im_end|>}). */
    public String tokenText(int id) {
        return tokenizer.decode(new long[] {id}, false);
    }

    /**
     * A new chain's text stream. Vocabularies whose decoder {@link TokenBytes} does not model get each token
     * decoded alone, which is exact for them only when no character spans two tokens.
     */
    public TextStream stream() {
        return tokenBytes != null ? tokenBytes.stream() : this::piece;
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
