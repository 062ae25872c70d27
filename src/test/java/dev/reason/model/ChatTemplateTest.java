package dev.reason.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Chat templates written with the Jinja the Llama family's templates use (ChatML with a default system prompt and
 * loop.first, header ids with a date from strftime_now and messages[1:], {{- ... }} trimming everywhere, filters
 * inside concatenations, "not x is defined" guards and a namespace, as R1-style templates open; Qwen3's backward walk
 * with messages[::-1] and Python string methods; Jinja's precedence of not) render as transformers renders them: the expected files come from jinja2 (src/test/resources/chat-templates/render.py,
 * strftime_now fixed to 5 January 2025).
 */
class ChatTemplateTest {
    private static final Path DIR = Path.of("src", "test", "resources", "chat-templates");
    private static final String QUESTION = "  What is 12 \u00d7 7 - 5?  ";
    private static final String SYSTEM = "You are terse.\nAnswer with a number.";
    private static final Clock DAY = Clock.fixed(LocalDateTime.of(2025, 1, 5, 9, 30).toInstant(ZoneOffset.UTC),
            ZoneOffset.UTC);

    @ParameterizedTest
    @ValueSource(strings = {"chatml-tools", "chatml-loop", "header-ids", "guards", "think-namespace", "python-strings",
        "not-precedence"})
    void rendersAsJinja2Does(String name) throws Exception {
        assertEquals(Files.readString(DIR.resolve(name + ".expected"), StandardCharsets.UTF_8), render(name));
    }

    /** Python beyond the string methods and [::-1] (other slice steps, other methods) is refused in one line. */
    @ParameterizedTest
    @ValueSource(strings = {"{{ messages[::2] }}", "{{ messages[0].content.zfill(3) }}",
        "{{ messages[0].content.split('') }}", "{{ messages[0].content.startswith() }}",
        "{{ messages[0].content.find('x', 3) }}"})
    void pythonBeyondWhatIsAddedIsRefusedClearly(String template) {
        ModelException e = assertThrows(ModelException.class,
                () -> new ChatTemplate(template, "<s>", "</s>", DAY).prompt(QUESTION));
        assertTrue(e.getMessage().startsWith("the chat template failed: ") && e.getMessage().endsWith(
                "(Python that jinjava lacks: rewrite that part of the model's chat template)"), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    }

    /**
     * 200 templates generated from the expression forms chat templates use (generated.py, which leaves out the two
     * places where jinjava's semantics differ and no rewrite helps), each as jinja2 renders it.
     */
    @Test
    void generatedTemplatesRenderAsJinja2Does() throws Exception {
        JsonNode file = new ObjectMapper().readTree(DIR.resolve("generated.json").toFile());
        JsonNode vars = file.get("variables");
        String question = vars.get("messages").get(0).get("content").asText();
        Map<String, Object> variables = Map.of("q", vars.get("q").asText(), "n", vars.get("n").asInt());
        int cases = 0;
        for (JsonNode c : file.get("cases")) {
            String template = c.get("template").asText();
            assertEquals(c.get("expected").asText(), new ChatTemplate(template, "<s>", "</s>", DAY).prompt(question,
                    PromptOptions.variables(variables)), template);
            cases++;
        }
        assertEquals(200, cases);
    }

    @Test
    void extraVariablesReachTheTemplateAsApplyChatTemplatesKeywordArgumentsDo() throws Exception {
        String template = Files.readString(DIR.resolve("think-namespace.jinja"), StandardCharsets.UTF_8);
        ChatTemplate t = new ChatTemplate(template, "<s>", "</s>", DAY);
        assertEquals(Files.readString(DIR.resolve("think-namespace.no-thinking.expected"), StandardCharsets.UTF_8),
                t.prompt(QUESTION, PromptOptions.variables(Map.of("enable_thinking", false))));
        assertEquals(t.prompt(QUESTION), t.prompt(QUESTION, PromptOptions.variables(Map.of("enable_thinking", true))));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> t.prompt(QUESTION, PromptOptions.variables(Map.of("messages", "x"))));
        assertEquals("--template-arg messages: reason sets that variable itself; name another one", e.getMessage());
    }

    /** A system message goes first in the conversation, as apply_chat_template takes it (render.py's SYSTEM). */
    @ParameterizedTest
    @ValueSource(strings = {"chatml-tools", "chatml-loop", "header-ids", "guards", "think-namespace"})
    void aSystemMessageRendersAsJinja2Does(String name) throws Exception {
        String template = Files.readString(DIR.resolve(name + ".jinja"), StandardCharsets.UTF_8);
        String withSystem = new ChatTemplate(template, "<s>", "</s>", DAY).prompt(QUESTION,
                new PromptOptions(SYSTEM, Map.of()));
        assertEquals(Files.readString(DIR.resolve(name + ".system.expected"), StandardCharsets.UTF_8), withSystem);
        assertNotEquals(render(name), withSystem);
    }

    /**
     * A template that raises on a system message (the shipped model's, Gemma's) is a usage error naming --system; a
     * template that fails for another reason still fails as the template's own error.
     */
    @Test
    void aTemplateThatRefusesASystemMessageSaysSo() throws Exception {
        String shipped = Files.readString(Path.of("models", "reason-mini", "chat_template.jinja"), StandardCharsets.UTF_8);
        PromptOptions system = new PromptOptions(SYSTEM, Map.of());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ChatTemplate(shipped, "<s>", "</s>", DAY).prompt(QUESTION, system));
        assertEquals("--system: this model's chat template takes no system message (Only user and assistant messages"
                + " are supported); leave --system out", e.getMessage());
        ModelException broken = assertThrows(ModelException.class,
                () -> new ChatTemplate("{{ raise_exception('always') }}", "<s>", "</s>", DAY).prompt(QUESTION, system));
        assertEquals("the chat template failed: always", broken.getMessage());
    }

    @Test
    void strftimeWritesPythonsDirectives() {
        LocalDateTime t = LocalDateTime.of(2025, 1, 5, 14, 7, 9);
        assertEquals("05 Jan 2025", ChatTemplate.strftime("%d %b %Y", t));
        assertEquals("Sunday, January 05 25 14:07:09 005 %q 100%", ChatTemplate.strftime("%A, %B %d %y %H:%M:%S %j %q 100%%", t));
    }

    private static String render(String name) throws Exception {
        String template = Files.readString(DIR.resolve(name + ".jinja"), StandardCharsets.UTF_8);
        return new ChatTemplate(template, "<s>", "</s>", DAY).prompt(QUESTION);
    }
}
