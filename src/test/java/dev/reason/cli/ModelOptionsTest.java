package dev.reason.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** --template-arg values reach the chat template typed as transformers' keyword arguments would be. */
class ModelOptionsTest {
    @CommandLine.Command
    static final class Holder {
        @CommandLine.Mixin
        ModelOptions options;
    }

    private static Map<String, Object> parse(String... args) {
        Holder h = new Holder();
        new CommandLine(h).parseArgs(args);
        return h.options.templateVariables();
    }

    @Test
    void valuesAreJsonWhenTheyParseAndTextOtherwise() {
        Map<String, Object> v = parse("--template-arg", "enable_thinking=false", "--template-arg", "n=3",
                "--template-arg", "tools=[1, 2]", "--template-arg", "quoted=\"x y\"", "--template-arg", "plain=x y",
                "--template-arg", "two=1 2", "--template-arg", "empty=");
        assertEquals(false, v.get("enable_thinking"));
        assertEquals(3, v.get("n"));
        assertEquals(Arrays.asList(1, 2), v.get("tools"));
        assertEquals("x y", v.get("quoted"));
        assertEquals("x y", v.get("plain"));
        assertEquals("1 2", v.get("two"), "trailing tokens: not one JSON value, so text");
        assertEquals("", v.get("empty"));
        assertEquals(List.of("enable_thinking", "n", "tools", "quoted", "plain", "two", "empty"),
                List.copyOf(v.keySet()));
        assertEquals(Map.of(), parse());
    }
}
