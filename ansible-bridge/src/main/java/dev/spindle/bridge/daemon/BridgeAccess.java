package dev.spindle.bridge.daemon;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;

import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.bridge.BridgeEventType;
import io.vertx.ext.bridge.BridgeOptions;
import io.vertx.ext.bridge.PermittedOptions;
import io.vertx.ext.eventbus.bridge.tcp.BridgeEvent;

/**
 * Who may use the daemon's bridge socket: anyone who can read the 0600 {@code daemon.json} of the
 * invoking user, i.e. that user. Every message must carry the secret from that file; the secret
 * is removed before the message reaches a handler. Only the task addresses are permitted.
 */
final class BridgeAccess implements Handler<BridgeEvent> {

    static final String SECRET_HEADER = "secret";

    private final byte[] secret;

    private BridgeAccess(byte[] secret) {
        this.secret = secret;
    }

    static BridgeAccess withNewSecret() {
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        return new BridgeAccess(HexFormat.of().formatHex(random).getBytes(StandardCharsets.US_ASCII));
    }

    String secret() {
        return new String(secret, StandardCharsets.US_ASCII);
    }

    static BridgeOptions permitted(List<String> addresses) {
        BridgeOptions options = new BridgeOptions();
        addresses.forEach(a -> options.addInboundPermitted(new PermittedOptions().setAddress(a)));
        return options; // nothing outbound: clients never register consumers
    }

    @Override
    public void handle(BridgeEvent event) {
        BridgeEventType type = event.type();
        if (type != BridgeEventType.SEND && type != BridgeEventType.PUBLISH && type != BridgeEventType.REGISTER) {
            event.complete(true);
            return;
        }
        JsonObject message = event.getRawMessage();
        JsonObject headers = message == null ? null : message.getJsonObject("headers");
        String offered = headers == null ? null : headers.getString(SECRET_HEADER);
        boolean allowed = offered != null && MessageDigest.isEqual(secret, offered.getBytes(StandardCharsets.US_ASCII));
        if (allowed) {
            headers.remove(SECRET_HEADER);
            event.setRawMessage(message);
        }
        event.complete(allowed);
    }
}
