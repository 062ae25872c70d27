package dev.reason.search.verify;

/** Picks the verifier for a question: the plug-in point for task-specific checkers. */
public final class Verifiers {

    static final Verifier NONE = new Verifier() {
        @Override
        public String name() {
            return "none";
        }

        @Override
        public Verdict check(String question, String chainText, String answer) {
            return Verdict.UNKNOWN;
        }

        @Override
        public String toString() {
            return "none";
        }
    };

    private Verifiers() {
    }

    /**
     * {@link Game24Verifier} when the question asks to make 24 from four numbers 1-13
     * ({@link Game24Verifier#isGame24}), else {@link ArithmeticStepVerifier}.
     */
    public static Verifier forQuestion(String question) {
        return Game24Verifier.isGame24(question) ? Game24Verifier.INSTANCE : ArithmeticStepVerifier.INSTANCE;
    }
}
