package dev.spindle.bridge.cli;

import java.util.Arrays;

/** Order statistics over a sample of durations in nanoseconds. */
record Stats(long[] sortedNanos) {

    static Stats of(long[] nanos) {
        long[] copy = nanos.clone();
        Arrays.sort(copy);
        return new Stats(copy);
    }

    long percentile(double p) {
        int index = (int) Math.ceil(p / 100.0 * sortedNanos.length) - 1;
        return sortedNanos[Math.max(0, Math.min(sortedNanos.length - 1, index))];
    }

    long median() {
        return percentile(50);
    }

    static String millis(long nanos) {
        return String.format("%.1f ms", nanos / 1e6);
    }

    static String micros(long nanos) {
        return String.format("%.0f µs", nanos / 1e3);
    }
}
