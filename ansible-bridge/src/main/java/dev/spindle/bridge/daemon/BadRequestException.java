package dev.spindle.bridge.daemon;

/** A request the daemon can't act on (failure code 3); the message names what is wrong. */
final class BadRequestException extends RuntimeException {

    BadRequestException(String message) {
        super(message);
    }
}
