package dev.reason.cli;

import dev.reason.search.AcBeta;
import dev.reason.search.StopRule;

/** The names {@code --stop} accepts. */
final class StopRules {
    private StopRules() {
    }

    static StopRule parse(String name) {
        switch (name) {
            case "none":
                return StopRule.none();
            case "decided":
                return StopRule.decided();
            case "ac-beta":
                return new AcBeta(0.95, 3);
            default:
                throw new IllegalArgumentException("unknown --stop rule \"" + name + "\": use none, decided or ac-beta");
        }
    }
}
