package dev.spindle.controller;

/** A request the daemon can't act on (failure code 3); the message names what is wrong. */
public final class BadRequestException extends RuntimeException {

    public BadRequestException(String message) {
        super(message);
    }
}
