package dev.spindle.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class SampleTest {

    @Test
    void medianOfAnOddCountIsTheMiddleValue() {
        assertEquals(20, Sample.of(new long[] {30, 10, 20}).median());
    }

    @Test
    void medianOfAnEvenCountIsTheMeanOfTheMiddleTwo() {
        assertEquals(25, Sample.of(new long[] {40, 10, 30, 20}).median());
    }

    @Test
    void percentilesAreNearestRank() {
        long[] hundred = new long[100];
        for (int i = 0; i < 100; i++) {
            hundred[i] = 100 - i;
        }
        assertEquals(99, Sample.of(hundred).percentile(99));
        assertEquals(1, Sample.of(hundred).percentile(0));
        assertEquals(100, Sample.of(hundred).percentile(100));
    }
}
