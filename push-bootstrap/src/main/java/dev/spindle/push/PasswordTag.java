package dev.spindle.push;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.HexFormat;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Tells passwords apart without keeping or showing them: an HMAC-SHA256 under a random key
 * made once per process, shortened to 64 bits. Nothing derived from it survives the process,
 * so it can't be used to test guesses offline.
 */
final class PasswordTag {

    private static final SecretKeySpec KEY;

    static {
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        KEY = new SecretKeySpec(random, "HmacSHA256");
    }

    private PasswordTag() {
    }

    static String of(String password) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(KEY);
            byte[] tag = mac.doFinal(password.getBytes(StandardCharsets.UTF_8));
            return "pw-" + HexFormat.of().formatHex(tag, 0, 8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is in every JDK", e);
        }
    }
}
