package dev.reason.cli;

/** The process exit codes, documented in docs/cli.md and in {@code reason --help}. */
final class ExitCodes {
    static final int ANSWERED = 0;
    static final int INTERNAL_ERROR = 1;
    static final int USAGE = 2;
    static final int MODEL = 3;
    static final int DEVICE = 4;
    static final int BAD_QUESTION = 5;
    static final int NO_ANSWER = 6;
    static final int ABSTAINED = 7;
    static final int CHECK_FAILED = 8;
    static final int DECLINED = 9;
    /** reason bench merge: the shards given are of different runs, overlap, or leave some out. */
    static final int SHARDS_OF_OTHER_RUNS = 10;
    static final int SHARDS_OVERLAP = 11;
    static final int SHARDS_MISSING = 12;
    static final int INTERRUPTED = 130;

    static final String HELP = "%nExit codes:%n"
            + "  0    answered%n"
            + "  1    internal error (REASON_DEBUG=1 prints the stack trace)%n"
            + "  2    bad option or budget%n"
            + "  3    model directory missing or unusable%n"
            + "  4    device unavailable (e.g. --device cuda without an NVIDIA GPU and driver)%n"
            + "  5    question empty or longer than the model's context%n"
            + "  6    no chain produced an answer within the budget%n"
            + "  7    not sure: confidence below --abstain-below (the best guess is still in --json)%n"
            + "  8    reason check: the CUDA engine disagrees with ONNX Runtime beyond tolerance%n"
            + "  9    the model cannot answer that: its chains wrote the line it was trained to write%n"
            + "       for such questions%n"
            + "  130  interrupted (Ctrl-C); the best answer so far is still printed%n";

    private ExitCodes() {
    }
}
