package dev.reason.model;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The model's chat template (Jinja), rendered as transformers does: trim and lstrip blocks on. */
public final class ChatTemplate {
    private final Jinjava jinjava;
    private final String template;
    private final String bosToken;
    private final String eosToken;

    ChatTemplate(String template, String bosToken, String eosToken) {
        this.template = template;
        this.bosToken = bosToken;
        this.eosToken = eosToken;
        jinjava = new Jinjava(JinjavaConfig.newBuilder().withTrimBlocks(true).withLstripBlocks(true).build());
        jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition(
                "", "raise_exception", ChatTemplate.class, "raiseException", String.class));
    }

    /** The template's own message: jinjava replaces an exception thrown in a function by a generic one. */
    private static final ThreadLocal<String> RAISED = new ThreadLocal<>();

    /** Called from templates as {@code raise_exception('...')}. */
    public static String raiseException(String message) {
        RAISED.set(message);
        throw new IllegalArgumentException(message);
    }

    /** The prompt for one user question, ending where the assistant's answer begins. */
    public String prompt(String question) {
        Map<String, Object> ctx = new HashMap<>();
        ctx.put("messages", List.of(Map.of("role", "user", "content", question)));
        ctx.put("add_generation_prompt", true);
        ctx.put("bos_token", bosToken);
        ctx.put("eos_token", eosToken);
        RAISED.remove();
        RenderResult r = jinjava.renderForResult(template, ctx);
        for (TemplateError e : r.getErrors()) {
            if (e.getSeverity() == TemplateError.ErrorType.FATAL) {
                String raised = RAISED.get();
                throw new ModelException("the chat template failed: " + (raised != null ? raised : e.getMessage()));
            }
        }
        return r.getOutput();
    }
}
