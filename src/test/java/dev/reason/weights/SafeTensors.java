package dev.reason.weights;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Test-only reader of the recipe's model.safetensors (F32 only), the ground truth for mapped weights. */
final class SafeTensors {
    private final ByteBuffer data;
    private final JsonNode header;

    SafeTensors(Path file) throws IOException {
        ByteBuffer all = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        int headerSize = (int) all.getLong(0);
        header = new ObjectMapper().readTree(new String(all.array(), 8, headerSize, StandardCharsets.UTF_8));
        data = all.slice(8 + headerSize, all.capacity() - 8 - headerSize).order(ByteOrder.LITTLE_ENDIAN);
    }

    boolean has(String name) {
        return header.has(name);
    }

    int[] shape(String name) {
        JsonNode s = entry(name).get("shape");
        int[] d = new int[s.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = s.get(i).asInt();
        }
        return d;
    }

    float[] floats(String name) {
        JsonNode e = entry(name);
        int start = e.get("data_offsets").get(0).asInt();
        int end = e.get("data_offsets").get(1).asInt();
        float[] out = new float[(end - start) / 4];
        data.slice(start, end - start).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        return out;
    }

    private JsonNode entry(String name) {
        JsonNode e = header.get(name);
        if (e == null || !e.get("dtype").asText().equals("F32")) {
            throw new IllegalArgumentException("no F32 tensor " + name + " in the safetensors file");
        }
        return e;
    }
}
