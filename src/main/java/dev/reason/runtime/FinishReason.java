package dev.reason.runtime;

/** Why a chain stopped growing. */
public enum FinishReason {
    /** The model emitted an end-of-sequence token. */
    EOS,
    /** The chain wrote its final-answer line ({@code #### ...}). */
    ANSWER_LINE,
    /** The chain wrote one of its stop texts ({@link Generator.Params#stops}). */
    STOP,
    /** The per-chain token limit. */
    MAX_TOKENS,
    /** The chain kept repeating one block of tokens ({@link RepetitionLoop}); ended early to save the budget. */
    LOOP,
    /** Cut by the search mid-way: its confidence fell below the stopping rule's threshold, or a step it wrote failed. */
    CUT,
    /** Still running when the search stopped (budget, decision or Ctrl-C). */
    UNFINISHED
}
