package dev.spindle.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP relay on loopback that counts the bytes it carries, both directions together: "bytes on
 * the wire" measured the same way for OpenSSH's client and Spindle's, without touching either.
 * One blocking thread per direction and connection is plenty for a benchmark's few connections.
 */
public final class CountingTcpProxy implements AutoCloseable {

    private static final int CONNECT_TIMEOUT_MILLIS = 10_000;

    private final ServerSocket server;
    private final InetSocketAddress upstream;
    private final AtomicLong bytes = new AtomicLong();
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();

    private CountingTcpProxy(ServerSocket server, InetSocketAddress upstream) {
        this.server = server;
        this.upstream = upstream;
    }

    public static CountingTcpProxy start(String upstreamHost, int upstreamPort) throws IOException {
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        CountingTcpProxy proxy = new CountingTcpProxy(server, new InetSocketAddress(upstreamHost, upstreamPort));
        daemonThread("proxy-accept-" + server.getLocalPort(), proxy::acceptLoop).start();
        return proxy;
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Bytes relayed so far, client to server and server to client. */
    public long bytes() {
        return bytes.get();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException closed) {
                continue; // close() closed the server socket: the loop ends
            }
            Socket target = new Socket();
            open.add(client);
            open.add(target);
            try {
                target.connect(upstream, CONNECT_TIMEOUT_MILLIS);
                client.setTcpNoDelay(true);
                target.setTcpNoDelay(true);
                AtomicInteger directionsOpen = new AtomicInteger(2);
                daemonThread("proxy-up-" + client.getPort(), () -> relay(client, target, directionsOpen)).start();
                daemonThread("proxy-down-" + client.getPort(), () -> relay(target, client, directionsOpen)).start();
            } catch (IOException upstreamDown) {
                closeQuietly(client); // the client sees the connection close, as if the server refused it
                closeQuietly(target);
            }
        }
    }

    /** Copies one direction; EOF is passed on as a half-close, and the pair is closed when both directions ended. */
    private void relay(Socket from, Socket to, AtomicInteger directionsOpen) {
        byte[] buffer = new byte[64 * 1024];
        boolean clean = false;
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            for (int n; (n = in.read(buffer)) >= 0; ) {
                out.write(buffer, 0, n);
                bytes.addAndGet(n);
            }
            to.shutdownOutput();
            clean = true;
        } catch (IOException streamGone) {
            // a reset or a socket closed by close(): nothing more can flow either way
        }
        if (!clean || directionsOpen.decrementAndGet() == 0) {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private void closeQuietly(Socket socket) {
        open.remove(socket);
        try {
            socket.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    private static Thread daemonThread(String name, Runnable body) {
        Thread thread = new Thread(body, name);
        thread.setDaemon(true);
        return thread;
    }

    @Override
    public void close() throws IOException {
        server.close();
        open.forEach(this::closeQuietly);
    }
}
