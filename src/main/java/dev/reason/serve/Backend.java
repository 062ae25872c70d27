package dev.reason.serve;

import dev.reason.engine.Engine;
import dev.reason.model.ModelDirectory;
import dev.reason.model.PromptOptions;
import dev.reason.runtime.Generator;

/**
 * What the server serves once the model is loaded.
 *
 * @param batch     the shared batch's settings: its slots and the longest chain it holds
 * @param admission how many searches decode together, and the KV cache they may hold
 * @param prompt    the server's --system message (for requests that send none) and template variables
 */
public record Backend(ModelDirectory model, Engine engine, Generator.Params batch, Generator.Admission admission,
                      Searches searches, PromptOptions prompt) {
    /** The model's name in the API: its directory's name. */
    public String modelId() {
        return model.path().toAbsolutePath().normalize().getFileName().toString();
    }
}
