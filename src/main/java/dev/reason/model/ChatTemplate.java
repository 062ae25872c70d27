package dev.reason.model;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import jinjava.javax.el.CompositeELResolver;

import java.time.Clock;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The model's chat template (Jinja), rendered as transformers does: trim and lstrip blocks on, {@code raise_exception}
 * and {@code strftime_now} defined. jinjava by default ignores the {@code -} of {@code {{- ... }}}, which the Llama
 * family's templates (Qwen2.5, Llama 3) put before nearly every expression, so Jinja's trimming is switched on
 * (ChatTemplateTest compares with jinja2's output). What Qwen3's template needs beyond that: Python's string methods
 * ({@link PythonStringMethods}), and two constructs jinjava parses differently, rewritten first ({@link JinjaCompat}).
 */
public final class ChatTemplate {
    private final Jinjava jinjava;
    private final String template;
    private final String bosToken;
    private final String eosToken;
    private final Clock clock;

    ChatTemplate(String template, String bosToken, String eosToken) {
        this(template, bosToken, eosToken, Clock.systemDefaultZone());
    }

    ChatTemplate(String template, String bosToken, String eosToken, Clock clock) {
        this.template = JinjaCompat.rewrite(template);
        this.bosToken = bosToken;
        this.eosToken = eosToken;
        this.clock = clock;
        CompositeELResolver resolvers = new CompositeELResolver();
        resolvers.add(new PythonStringMethods());
        resolvers.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);  // jinjava's own, as by default
        jinjava = new Jinjava(JinjavaConfig.newBuilder().withTrimBlocks(true).withLstripBlocks(true)
                .withElResolver(resolvers)
                .withLegacyOverrides(LegacyOverrides.newBuilder()
                        .withUseTrimmingForNotesAndExpressions(true)   // {{- x -}} trims as in Jinja
                        .withUsePyishObjectMapper(true)                // lists and dicts print as Python does
                        .build()).build());
        jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition(
                "", "raise_exception", ChatTemplate.class, "raiseException", String.class));
        jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition(
                "", "strftime_now", ChatTemplate.class, "strftimeNow", String.class));
    }

    /** The time strftime_now reads while a prompt is rendered. */
    private static final ThreadLocal<LocalDateTime> NOW = new ThreadLocal<>();

    /** Called from templates as {@code strftime_now('%d %b %Y')} (Llama 3 writes today's date into its prompt). */
    public static String strftimeNow(String format) {
        LocalDateTime now = NOW.get() != null ? NOW.get() : LocalDateTime.now();
        return strftime(format, now);
    }

    /** Python's strftime for the directives templates use, in the C locale; others stay as written. */
    static String strftime(String format, LocalDateTime t) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%' || i + 1 == format.length()) {
                out.append(c);
                continue;
            }
            char d = format.charAt(++i);
            String pattern = switch (d) {
                case 'd' -> "dd";
                case 'm' -> "MM";
                case 'Y' -> "yyyy";
                case 'y' -> "yy";
                case 'b' -> "MMM";
                case 'B' -> "MMMM";
                case 'a' -> "EEE";
                case 'A' -> "EEEE";
                case 'H' -> "HH";
                case 'I' -> "hh";
                case 'M' -> "mm";
                case 'S' -> "ss";
                case 'p' -> "a";
                case 'j' -> "DDD";
                default -> null;
            };
            if (d == '%') {
                out.append('%');
            } else if (pattern == null) {
                out.append('%').append(d);
            } else {
                out.append(DateTimeFormatter.ofPattern(pattern, Locale.ENGLISH).format(t));
            }
        }
        return out.toString();
    }

    /** The template's own message: jinjava replaces an exception thrown in a function by a generic one. */
    private static final ThreadLocal<String> RAISED = new ThreadLocal<>();

    /** Called from templates as {@code raise_exception('...')}. */
    public static String raiseException(String message) {
        RAISED.set(message);
        throw new IllegalArgumentException(message);
    }

    /** What the renderer sets itself: a template variable may not take these names. */
    static final List<String> RESERVED = List.of("messages", "add_generation_prompt", "raise_exception",
            "strftime_now");

    /** The prompt for one user question, ending where the assistant's answer begins. */
    public String prompt(String question) {
        return prompt(question, PromptOptions.NONE);
    }

    /**
     * The same after the options' system message, if any, with the options' extra variables for the template, as
     * transformers' {@code apply_chat_template(messages, ..., **kwargs)} passes them (Qwen3: {@code
     * enable_thinking=False}); they may replace bos_token and eos_token. A template that refuses a system message
     * (the shipped model's, Gemma's) is a usage error, not a broken model.
     */
    public String prompt(String question, PromptOptions options) {
        Map<String, Object> variables = options.variables();
        refuseReserved(variables);
        List<Map<String, String>> messages = options.system() == null
                ? List.of(Map.of("role", "user", "content", question))
                : List.of(Map.of("role", "system", "content", options.system()), Map.of("role", "user", "content", question));
        Rendered r = render(messages, variables);
        if (r.failure() == null) {
            return r.output();
        }
        if (options.system() != null && render(messages.subList(1, 2), variables).failure() == null) {
            throw new IllegalArgumentException("--system: this model's chat template takes no system message ("
                    + r.failure() + "); leave --system out");
        }
        throw new ModelException("the chat template failed: " + r.failure());
    }

    /** One message of a conversation: its role ({@code system}, {@code user}, {@code assistant}) and its text. */
    public record Message(String role, String content) {
    }

    /**
     * The prompt for a whole conversation, ending where the assistant's next answer begins (an API's chat
     * request). A message the template refuses (its raise_exception, such as a system message or a second turn) is an
     * IllegalArgumentException with the template's own words: the request's fault, not the model's.
     */
    public String prompt(List<Message> conversation, Map<String, Object> variables) {
        refuseReserved(variables);
        List<Map<String, String>> messages = conversation.stream()
                .map(m -> Map.of("role", m.role(), "content", m.content())).toList();
        Rendered r = render(messages, variables);
        if (r.failure() != null) {
            throw new IllegalArgumentException("the model's chat template refuses these messages: " + r.failure());
        }
        return r.output();
    }

    private static void refuseReserved(Map<String, Object> variables) {
        for (String name : RESERVED) {
            if (variables.containsKey(name)) {
                throw new IllegalArgumentException("--template-arg " + name + ": reason sets that variable itself;"
                        + " name another one");
            }
        }
    }

    /** A rendered prompt, or why the template failed (its raise_exception message, or jinjava's). */
    private record Rendered(String output, String failure) {
    }

    private Rendered render(List<Map<String, String>> messages, Map<String, Object> variables) {
        Map<String, Object> ctx = new HashMap<>();
        ctx.put("messages", messages);
        ctx.put("add_generation_prompt", true);
        ctx.put("bos_token", bosToken);
        ctx.put("eos_token", eosToken);
        // Jinja's globals are variables too: templates test "strftime_now is defined" before calling it
        ctx.put("strftime_now", "function");
        ctx.put("raise_exception", "function");
        ctx.putAll(variables);
        RAISED.remove();
        NOW.set(LocalDateTime.now(clock));
        RenderResult r;
        try {
            r = jinjava.renderForResult(template, ctx);
        } finally {
            NOW.remove();
        }
        for (TemplateError e : r.getErrors()) {
            if (e.getSeverity() == TemplateError.ErrorType.FATAL) {
                String raised = RAISED.get();
                return new Rendered(null, raised != null ? raised : e.getMessage()
                        + " (Python that jinjava lacks: rewrite that part of the model's chat template)");
            }
        }
        return new Rendered(r.getOutput(), null);
    }
}
