package dev.reason.weights;

import dev.reason.model.ModelException;

import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An ONNX file's main graph, read from a memory mapping: nodes in file order (ONNX requires topological
 * order), initializers and Constant values as mapped slices, and the graph's input names.
 * Field numbers are those of onnx.proto (ModelProto.graph 7; GraphProto node 1, initializer 5, input 11;
 * NodeProto input 1, output 2, op_type 4, attribute 5; AttributeProto name 1, t 5, ints 8).
 */
final class OnnxFile {
    /** One NodeProto; index is its position in the graph. Only the attributes weights need are kept. */
    record Node(int index, String opType, List<String> inputs, List<String> outputs, long[] perm, StoredTensor value) {
        String input(int i) {
            return i < inputs.size() ? inputs.get(i) : "";
        }
    }

    final Path path;
    final List<Node> nodes = new ArrayList<>();
    /** Initializers and the tensors of Constant nodes, by the name of the value they define. */
    final Map<String, StoredTensor> constants = new HashMap<>();
    final Set<String> inputs = new HashSet<>();
    private volatile boolean closed;

    private OnnxFile(Path path) {
        this.path = path;
    }

    static OnnxFile open(Path path) {
        OnnxFile f = new OnnxFile(path);
        try {
            long size = Files.size(path);
            if (size > Integer.MAX_VALUE) {
                throw new ModelException(path + " is larger than 2 GB, which protobuf cannot hold:"
                        + " export the model with its weights as external data");
            }
            ProtoReader model = new ProtoReader(StoredTensor.map(path, 0, size), 0);
            boolean hasGraph = false;
            while (model.next()) {
                if (model.field() == 7) {
                    f.readGraph(model.message());
                    hasGraph = true;
                } else {
                    model.skip();
                }
            }
            if (!hasGraph) {
                throw new ModelException(path + " has no graph: is it an ONNX model?");
            }
        } catch (NoSuchFileException e) {
            throw new ModelException(e.getFile() + " does not exist");
        } catch (IOException e) {
            throw new ModelException("cannot read " + path + ": " + e.getMessage());
        } catch (IllegalArgumentException | IndexOutOfBoundsException | BufferUnderflowException e) {
            throw new ModelException(path + " is not a readable ONNX model (" + e.getMessage() + "): re-export it");
        }
        return f;
    }

    private void readGraph(ProtoReader g) throws IOException {
        while (g.next()) {
            switch (g.field()) {
                case 1 -> nodes.add(readNode(g.message(), nodes.size()));
                case 5 -> {
                    StoredTensor t = StoredTensor.parse(g.message(), this);
                    constants.put(t.name, t);
                }
                case 11 -> inputs.add(valueInfoName(g.message()));
                default -> g.skip();
            }
        }
    }

    private Node readNode(ProtoReader n, int index) throws IOException {
        List<String> in = new ArrayList<>();
        List<String> out = new ArrayList<>();
        String op = "";
        long[] perm = null;
        StoredTensor value = null;
        while (n.next()) {
            switch (n.field()) {
                case 1 -> in.add(n.string());
                case 2 -> out.add(n.string());
                case 4 -> op = n.string();
                case 5 -> {
                    ProtoReader a = n.message();
                    String name = "";
                    ProtoReader.LongList ints = new ProtoReader.LongList();
                    StoredTensor t = null;
                    while (a.next()) {
                        switch (a.field()) {
                            case 1 -> name = a.string();
                            case 5 -> t = StoredTensor.parse(a.message(), this);
                            case 8 -> a.int64s(ints);
                            default -> a.skip();
                        }
                    }
                    if (name.equals("perm")) {
                        perm = ints.toArray();
                    } else if (name.equals("value")) {
                        value = t;
                    }
                }
                default -> n.skip();
            }
        }
        Node node = new Node(index, op, List.copyOf(in), List.copyOf(out), perm, value);
        if (op.equals("Constant") && value != null && !out.isEmpty()) {
            constants.put(out.get(0), value);
        }
        return node;
    }

    private static String valueInfoName(ProtoReader v) {
        String name = "";
        while (v.next()) {
            if (v.field() == 1) {
                name = v.string();
            } else {
                v.skip();
            }
        }
        return name;
    }

    /** Maps a tensor's external data: location is relative to the .onnx file's folder and must stay inside it. */
    ByteBuffer mapExternal(String tensor, String location, long offset, long length) throws IOException {
        if (location == null) {
            throw new IllegalArgumentException("tensor " + tensor + " is external but names no location");
        }
        Path dir = path.toAbsolutePath().getParent();
        Path file = dir.resolve(location).normalize();
        if (!file.startsWith(dir)) {
            throw new IllegalArgumentException("tensor " + tensor + " has its data outside the model's folder: " + location);
        }
        if (!Files.isRegularFile(file)) {
            throw new ModelException(path + ": tensor " + tensor + " is stored in " + file
                    + ", which does not exist: copy the external data file next to the .onnx file");
        }
        return StoredTensor.map(file, offset, length);
    }

    void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the weights of " + path + " were closed");
        }
    }

    void close() {
        closed = true;
    }
}
