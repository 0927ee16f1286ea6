package dev.spindle.bench;

import java.util.Arrays;

/** Order statistics over measured values (any unit): what every benchmark here reports. */
public record Sample(long[] sorted) {

    public static Sample of(long[] values) {
        long[] copy = values.clone();
        Arrays.sort(copy);
        return new Sample(copy);
    }

    /** The middle value; the mean of the two middle ones for an even count. */
    public long median() {
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    /** The nearest-rank percentile, e.g. 99 for p99. */
    public long percentile(double p) {
        int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }
}
