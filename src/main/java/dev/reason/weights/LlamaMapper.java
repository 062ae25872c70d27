package dev.reason.weights;

import dev.reason.model.ModelConfig;
import dev.reason.model.ModelException;
import dev.reason.weights.OnnxFile.Node;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Finds the Llama-family weights of an ONNX decoder by following its data flow, never its names.
 *
 * <ol>
 * <li>A weight is an initializer or Constant reached backwards through Cast, Identity and Transpose nodes;
 *     each 2-D Transpose on the way flips the orientation the consumer sees.</li>
 * <li>The embedding is the Gather of a 2-D weight by {@code input_ids}.</li>
 * <li>The MatMuls whose second input is a weight, in graph (topological) order, are grouped by the activation
 *     they read; each layer gives groups of 3 (q, k, v), 1 (o), 2 (gate, up), 1 (down), and lm_head ends.</li>
 * <li>In the group of 3, v is the one whose output reaches no Softmax before the next weight MatMul; q and k
 *     meet in the attention-score MatMul, q as its left operand, k as its right. Where the three feed ONNX
 *     Runtime's fused GroupQueryAttention instead, the inputs they fill tell them apart (query, key, value).
 *     In the group of 2, gate is the one whose output goes through a Sigmoid (SiLU).</li>
 * <li>A bias is a 1-D weight added right after a q/k/v MatMul; an RMSNorm weight is the 1-D weight of the Mul
 *     that produces a group's activation (attention norm, MLP norm, final norm before lm_head).</li>
 * </ol>
 * Every shape is then checked against config.json.
 */
final class LlamaMapper {
    private static final Set<String> PASS_THROUGH = Set.of("Cast", "Identity");
    private static final Set<String> SHAPE_ONLY = Set.of("Shape", "Size");

    /** A weight as a node sees it: the stored tensor, and whether the graph transposes it on the way. */
    private record Source(StoredTensor tensor, boolean flipped) {
        int rank() {
            return tensor.dims.length;
        }
    }

    /** What a forward search reached: nodes passed through, and stop nodes with a bit per input slot entered. */
    private record Reach(Set<Node> passed, Map<Node, Integer> stops) {
        boolean passes(String opType) {
            return passed.stream().anyMatch(n -> n.opType().equals(opType));
        }
    }

    private final OnnxFile onnx;
    private final ModelConfig config;
    private final Map<String, Node> producer = new HashMap<>();
    private final Map<String, List<Node>> consumers = new HashMap<>();

    LlamaMapper(OnnxFile onnx, ModelConfig config) {
        this.onnx = onnx;
        this.config = config;
        for (Node n : onnx.nodes) {
            n.outputs().forEach(o -> producer.put(o, n));
            n.inputs().forEach(i -> consumers.computeIfAbsent(i, k -> new ArrayList<>()).add(n));
        }
    }

    /** Operators of quantized weights (onnxruntime's quantizers, QDQ graphs): nothing this mapper can read. */
    private static final Set<String> QUANTIZED_OPS = Set.of("MatMulNBits", "MatMulInteger", "DynamicQuantizeLinear",
            "QLinearMatMul", "MatMulIntegerToFloat", "DynamicQuantizeMatMul", "GatherBlockQuantized",
            "DequantizeLinear", "QuantizeLinear");

    LlamaWeights map() {
        onnx.nodes.stream().map(Node::opType).filter(QUANTIZED_OPS::contains).findFirst().ifPresent(op -> {
            throw fail("stores its weights quantized (" + op + "): the CUDA engine reads fp32, fp16 or bf16 weights;"
                    + " run this file on the CPU (--device cpu) or choose an unquantized one with --onnx");
        });
        Node gather = embeddingGather();
        List<List<Node>> groups = projectionGroups();
        int layers = (groups.size() - 1) / 4;
        if (layers != config.numLayers()) {
            throw fail("the graph has " + layers + " decoder layers, config.json says num_hidden_layers "
                    + config.numLayers());
        }
        Source e = weight(gather.input(0));
        WeightTensor embedding = checked(new WeightTensor(e.tensor(), seen(e), e.flipped()), "embed_tokens",
                config.vocabSize(), config.hiddenSize());
        int hidden = config.hiddenSize();
        int qSize = config.numHeads() * config.headDim();
        int kvSize = config.numKvHeads() * config.headDim();
        int inter = config.intermediateSize();
        List<LlamaWeights.Layer> out = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            List<Node> qkv = groups.get(4 * l);
            List<Node> mlp = groups.get(4 * l + 2);
            Node[] attention = attentionRoles(qkv, l);
            Node[] gateUp = gateAndUp(mlp, l);
            Node o = groups.get(4 * l + 1).get(0);
            Node down = groups.get(4 * l + 3).get(0);
            String at = "layer " + l + " ";
            WeightTensor[] biases = qkvBiases(attention, l, qSize, kvSize);
            for (Node n : List.of(o, gateUp[0], gateUp[1], down)) {
                noBias(n, at);
            }
            out.add(new LlamaWeights.Layer(
                    norm(qkv.get(0), at + "input_layernorm"),
                    matrix(attention[0], at + "q_proj", qSize, hidden),
                    matrix(attention[1], at + "k_proj", kvSize, hidden),
                    matrix(attention[2], at + "v_proj", kvSize, hidden),
                    matrix(o, at + "o_proj", hidden, qSize),
                    biases[0], biases[1], biases[2],
                    norm(mlp.get(0), at + "post_attention_layernorm"),
                    matrix(gateUp[0], at + "gate_proj", inter, hidden),
                    matrix(gateUp[1], at + "up_proj", inter, hidden),
                    matrix(down, at + "down_proj", hidden, inter),
                    config.qkNorm() ? headNorm(attention[0], at + "q_norm") : null,
                    config.qkNorm() ? headNorm(attention[1], at + "k_norm") : null));
        }
        Node head = groups.get(groups.size() - 1).get(0);
        noBias(head, "lm_head ");
        WeightTensor lmHead = matrix(head, "lm_head", config.vocabSize(), hidden);
        if (lmHead.stored() == embedding.stored() && lmHead.transposed() == embedding.transposed()) {
            lmHead = embedding; // tied through a Transpose of the embedding itself
        }
        return new LlamaWeights(onnx, embedding, norm(head, "final norm"), lmHead, out);
    }

    private Node embeddingGather() {
        List<Node> found = new ArrayList<>();
        for (Node n : onnx.nodes) {
            if (n.opType().equals("Gather") && upstream(n.input(1)).equals("input_ids")
                    && onnx.inputs.contains("input_ids")) {
                Source s = weight(n.input(0));
                if (s != null && s.rank() == 2) {
                    found.add(n);
                }
            }
        }
        if (found.size() != 1) {
            throw fail(found.isEmpty() ? "no Gather of a 2-D weight by input_ids: not a decoder-only language model graph"
                    : found.size() + " Gathers of weights by input_ids: cannot tell which is the embedding");
        }
        return found.get(0);
    }

    /** Weight MatMuls grouped by the activation they read, in graph order; checks the per-layer pattern. */
    private List<List<Node>> projectionGroups() {
        Map<String, List<Node>> byInput = new LinkedHashMap<>();
        for (Node n : onnx.nodes) {
            if (isProjection(n)) {
                byInput.computeIfAbsent(upstream(n.input(0)), k -> new ArrayList<>()).add(n);
            }
        }
        List<List<Node>> groups = new ArrayList<>(byInput.values());
        int[] sizes = groups.stream().mapToInt(List::size).toArray();
        boolean ok = sizes.length % 4 == 1 && sizes[sizes.length - 1] == 1;
        for (int i = 0; ok && i < sizes.length - 1; i++) {
            ok = sizes[i] == new int[] {3, 1, 2, 1}[i % 4];
        }
        if (!ok) {
            String shown = Arrays.toString(sizes.length > 12 ? Arrays.copyOf(sizes, 12) : sizes);
            throw fail("the MatMuls by weights, grouped by shared input, come in groups of " + shown
                    + (sizes.length > 12 ? " (first 12 of " + sizes.length + ")" : "")
                    + "; a Llama-family decoder has 3 (q, k, v), 1 (o), 2 (gate, up), 1 (down) per layer, then lm_head");
        }
        return groups;
    }

    private boolean isProjection(Node n) {
        if (!n.opType().equals("MatMul")) {
            return false;
        }
        Source s = weight(n.input(1));
        return s != null && s.rank() == 2;
    }

    /** q, k, v of one layer's group of three, told apart by where their outputs go (see the class comment). */
    private Node[] attentionRoles(List<Node> group, int layer) {
        Node[] fused = fusedRoles(group);
        if (fused != null) {
            return fused;
        }
        Node v = null;
        Node q = null;
        Node k = null;
        Node scores = null;
        for (Node n : group) {
            if (!reach(n.outputs().get(0), this::isProjection).passes("Softmax")) {
                if (v != null) {
                    throw fail("layer " + layer + ": two of q/k/v reach no Softmax, cannot tell v (fused attention is not supported)");
                }
                v = n;
                continue;
            }
            Map<Node, Integer> entered = reach(n.outputs().get(0), m -> m.opType().equals("MatMul")).stops();
            entered.keySet().removeIf(this::isProjection);
            if (entered.size() != 1 || (scores != null && !entered.containsKey(scores))) {
                throw fail("layer " + layer + ": q and k do not meet in one attention-score MatMul");
            }
            scores = entered.keySet().iterator().next();
            int slots = entered.get(scores);
            if (slots == 1 && q == null) {
                q = n;
            } else if (slots == 2 && k == null) {
                k = n;
            } else {
                throw fail("layer " + layer + ": cannot tell q from k at the attention-score MatMul");
            }
        }
        if (v == null || q == null || k == null) {
            throw fail("layer " + layer + ": cannot tell q, k and v apart (no Softmax between them and o_proj)");
        }
        return new Node[] {q, k, v};
    }

    /**
     * q, k, v by the inputs they fill of one GroupQueryAttention node (ONNX Runtime's fused attention: query, key,
     * value first), or null when the group does not feed one.
     */
    private Node[] fusedRoles(List<Node> group) {
        Node[] roles = new Node[3];
        Node attention = null;
        for (Node n : group) {
            Map<Node, Integer> entered = reach(n.outputs().get(0), m -> m.opType().equals("GroupQueryAttention")).stops();
            if (entered.size() != 1 || (attention != null && !entered.containsKey(attention))) {
                return null;
            }
            attention = entered.keySet().iterator().next();
            int slot = Integer.numberOfTrailingZeros(entered.get(attention));
            if (slot > 2 || Integer.bitCount(entered.get(attention)) != 1 || roles[slot] != null) {
                return null;
            }
            roles[slot] = n;
        }
        return roles[0] != null && roles[1] != null && roles[2] != null ? roles : null;
    }

    private Node[] gateAndUp(List<Node> group, int layer) {
        boolean first = reach(group.get(0).outputs().get(0), this::isProjection).passes("Sigmoid");
        boolean second = reach(group.get(1).outputs().get(0), this::isProjection).passes("Sigmoid");
        if (first == second) {
            throw fail("layer " + layer + ": cannot tell gate_proj from up_proj (expected exactly one through a Sigmoid, as SiLU)");
        }
        return first ? new Node[] {group.get(0), group.get(1)} : new Node[] {group.get(1), group.get(0)};
    }

    /** Nodes reachable from a tensor, not through shape computations; stop nodes are recorded, not passed. */
    private Reach reach(String tensor, Predicate<Node> stop) {
        Set<Node> passed = new HashSet<>();
        Map<Node, Integer> stops = new HashMap<>();
        ArrayDeque<String> todo = new ArrayDeque<>(List.of(tensor));
        while (!todo.isEmpty()) {
            String t = todo.pop();
            for (Node c : consumers.getOrDefault(t, List.of())) {
                if (SHAPE_ONLY.contains(c.opType())) {
                    continue;
                }
                if (stop.test(c)) {
                    for (int i = 0; i < c.inputs().size(); i++) {
                        if (c.inputs().get(i).equals(t)) {
                            stops.merge(c, 1 << i, (a, b) -> a | b);
                        }
                    }
                } else if (passed.add(c)) {
                    todo.addAll(c.outputs());
                }
            }
        }
        return new Reach(passed, stops);
    }

    private WeightTensor[] qkvBiases(Node[] qkv, int layer, int qSize, int kvSize) {
        Source[] s = {bias(qkv[0]), bias(qkv[1]), bias(qkv[2])};
        int present = (int) Arrays.stream(s).filter(x -> x != null).count();
        if (present == 0 && !config.qkvBias()) {
            return new WeightTensor[3];
        }
        if (present != 3 || !config.qkvBias()) {
            throw fail("layer " + layer + " has " + present + " of 3 q/k/v biases, but config.json ("
                    + config.modelType() + ") implies " + (config.qkvBias() ? "3" : "none"));
        }
        String at = "layer " + layer + " ";
        return new WeightTensor[] {vector(s[0], at + "q_proj.bias", qSize), vector(s[1], at + "k_proj.bias", kvSize),
                vector(s[2], at + "v_proj.bias", kvSize)};
    }

    /** The 1-D weight added right after a MatMul, if any. */
    private Source bias(Node matmul) {
        for (Node c : consumers.getOrDefault(matmul.outputs().get(0), List.of())) {
            if (c.opType().equals("Add")) {
                for (String in : c.inputs()) {
                    Source s = weight(in);
                    if (s != null && s.rank() == 1) {
                        return s;
                    }
                }
            }
        }
        return null;
    }

    private void noBias(Node matmul, String at) {
        Source s = bias(matmul);
        if (s != null) {
            throw fail(at + "adds a bias after the MatMul by " + weight(matmul.input(1)).tensor().name
                    + " (only q/k/v biases are supported)");
        }
    }

    /** The RMSNorm weight: the 1-D weight of the Mul that produces the activation a projection reads. */
    private WeightTensor norm(Node projection, String what) {
        Node mul = producer.get(upstream(projection.input(0)));
        if (mul != null && mul.opType().equals("Mul")) {
            for (String in : mul.inputs()) {
                Source s = weight(in);
                if (s != null && s.rank() == 1) {
                    return vector(s, what, config.hiddenSize());
                }
            }
        }
        throw fail("no RMSNorm weight (a Mul by a 1-D weight) feeds the " + what + " input");
    }

    /**
     * Qwen3's per-head RMSNorm weight on q's or k's way from its projection to the attention scores: the one 1-D
     * weight of head_dim values multiplied in there (RoPE's cos and sin are computed, not stored).
     */
    private WeightTensor headNorm(Node projection, String what) {
        List<Source> found = new ArrayList<>();
        for (Node n : reach(projection.outputs().get(0), m -> m.opType().equals("MatMul")).passed()) {
            if (n.opType().equals("Mul")) {
                for (String in : n.inputs()) {
                    Source s = weight(in);
                    if (s != null && s.rank() == 1 && s.tensor().dims[0] == config.headDim()) {
                        found.add(s);
                    }
                }
            }
        }
        if (found.size() != 1) {
            throw fail(what + ": " + found.size() + " Muls by a weight of head_dim " + config.headDim() + " values"
                    + " between the projection and the attention scores; model_type " + config.modelType()
                    + " norms each head once");
        }
        return vector(found.get(0), what, config.headDim());
    }

    /** Follows a tensor back through Cast, Identity and Transpose to a stored weight; null if it is computed. */
    private Source weight(String tensor) {
        boolean flipped = false;
        String t = tensor;
        while (true) {
            StoredTensor s = onnx.constants.get(t);
            if (s != null) {
                return new Source(s, flipped && s.dims.length == 2);
            }
            Node p = producer.get(t);
            if (p == null) {
                return null;
            }
            if (p.opType().equals("Transpose")) {
                long[] perm = p.perm();
                if (perm == null || Arrays.equals(perm, new long[] {1, 0})) {
                    flipped = !flipped;
                } else if (!Arrays.equals(perm, new long[] {0}) && !Arrays.equals(perm, new long[] {0, 1})) {
                    return null;
                }
            } else if (!PASS_THROUGH.contains(p.opType())) {
                return null;
            }
            t = p.input(0);
        }
    }

    /** The tensor an activation is a copy of, skipping Cast and Identity. */
    private String upstream(String tensor) {
        String t = tensor;
        for (Node p = producer.get(t); p != null && PASS_THROUGH.contains(p.opType()); p = producer.get(t)) {
            t = p.input(0);
        }
        return t;
    }

    /** The shape a consumer sees: the stored dims, swapped when the graph transposes them. */
    private static int[] seen(Source s) {
        int[] d = Arrays.stream(s.tensor().dims).mapToInt(x -> (int) x).toArray();
        return s.flipped() ? new int[] {d[1], d[0]} : d;
    }

    /** A MatMul's weight: the MatMul sees [in, out]; the logical matrix is [out, in]. */
    private WeightTensor matrix(Node matmul, String what, int out, int in) {
        Source s = weight(matmul.input(1));
        int[] seen = seen(s);
        return checked(new WeightTensor(s.tensor(), new int[] {seen[1], seen[0]}, !s.flipped()), what, out, in);
    }

    private WeightTensor vector(Source s, String what, int n) {
        return checked(new WeightTensor(s.tensor(), seen(s), false), what, n);
    }

    private WeightTensor checked(WeightTensor w, String what, int... expected) {
        if (!Arrays.equals(w.shape(), expected)) {
            throw fail(what + " (" + w.name() + ") is " + Arrays.toString(w.shape()) + ", but config.json implies "
                    + Arrays.toString(expected) + " (" + sizes() + ")");
        }
        String problem = w.stored().problem();
        if (problem != null) {
            throw fail(what + " (" + w.name() + ") " + problem);
        }
        return w;
    }

    private String sizes() {
        ModelConfig c = config;
        return "hidden_size " + c.hiddenSize() + ", num_attention_heads " + c.numHeads() + ", num_key_value_heads "
                + c.numKvHeads() + ", head_dim " + c.headDim() + ", intermediate_size " + c.intermediateSize()
                + ", vocab_size " + c.vocabSize();
    }

    private ModelException fail(String what) {
        return new ModelException(onnx.path + ": " + what);
    }
}
