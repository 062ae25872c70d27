package dev.reason.bench;

import java.util.Arrays;
import java.util.Objects;

/**
 * One benchmark problem, whatever set it came from.
 *
 * @param id         stable identifier (the set's own id where it has one), used by {@code --resume}
 * @param question   the prompt text to send to the model
 * @param answer     the reference answer; null for Game of 24, which is checked by evaluation instead
 * @param dataset    the family ({@code gsm8k}, {@code svamp}, {@code math500}, {@code aqua}, {@code game24}, or
 *                   a custom file's {@code family}); it decides how answers are graded
 * @param difficulty e.g. {@code level 3}; null when the set has none
 * @param numbers    the four Game of 24 numbers; null for every other set
 */
public record Problem(String id, String question, String answer, String dataset, String difficulty, int[] numbers) {

    public Problem {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(question, "question");
        Objects.requireNonNull(dataset, "dataset");
        // Copied so the record stays immutable.
        numbers = numbers == null ? null : numbers.clone();
    }

    @Override
    public int[] numbers() {
        return numbers == null ? null : numbers.clone();
    }

    // Arrays compare by content, unlike the generated record members.
    @Override
    public boolean equals(Object o) {
        return o instanceof Problem p && id.equals(p.id) && question.equals(p.question)
                && Objects.equals(answer, p.answer) && dataset.equals(p.dataset)
                && Objects.equals(difficulty, p.difficulty) && Arrays.equals(numbers, p.numbers);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, question, answer, dataset, difficulty, Arrays.hashCode(numbers));
    }

    @Override
    public String toString() {
        return "Problem[id=" + id + ", dataset=" + dataset + ", difficulty=" + difficulty + ", answer=" + answer
                + (numbers == null ? "" : ", numbers=" + Arrays.toString(numbers)) + "]";
    }
}
