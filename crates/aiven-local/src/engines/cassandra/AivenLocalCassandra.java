// One Cassandra node for one aiven-local service: Cassandra's own daemon,
// started in this JVM from the jars scripts/setup.sh gathers from Maven
// Central, with a control socket for aiven-local beside it. Cassandra's
// operations (snapshots, roles) are reached in its distribution through
// JMX and nodetool, which would need one more TCP port per service; here
// they are calls into the node itself, asked for on a Unix socket that
// only aiven-local's user can open.
//
// Usage: java [options] -Dcassandra.config=file:///.../cassandra.yaml
//        -cp CLASSPATH AivenLocalCassandra USERS_FILE CONTROL_SOCKET PID_FILE
// USERS_FILE holds the service's users, one JSON object per line:
// {"name": ..., "hash": bcrypt, "superuser": true|false}. The launcher
// writes PID_FILE at once, starts the node with CQL closed, makes or
// updates those roles, drops Cassandra's default `cassandra` superuser,
// and only then opens CQL, and then CONTROL_SOCKET: the node is ready once
// the socket answers.
//
// Requests on CONTROL_SOCKET are one JSON object per line, answered with
// {"ok": ...} or {"error": "..."} on one line:
//   {"ping": true}
//   {"user": {"name", "hash", "superuser"}}   make or update a role
//   {"drop_user": NAME}
//   {"backup": DIR}   snapshot the user keyspaces, the schema and the
//                     roles, and hard-link the snapshot's files into DIR as
//                     KEYSPACE/TABLE-ID/..., the layout of a data directory

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.apache.cassandra.auth.AuthenticatedUser;
import org.apache.cassandra.auth.DataResource;
import org.apache.cassandra.auth.IAuthenticator;
import org.apache.cassandra.auth.IRoleManager;
import org.apache.cassandra.auth.PasswordAuthenticator;
import org.apache.cassandra.auth.Permission;
import org.apache.cassandra.auth.RoleOptions;
import org.apache.cassandra.auth.RoleResource;
import org.apache.cassandra.auth.Roles;
import org.apache.cassandra.config.DatabaseDescriptor;
import org.apache.cassandra.schema.Schema;
import org.apache.cassandra.service.CassandraDaemon;
import org.apache.cassandra.service.StorageService;

public final class AivenLocalCassandra {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Cassandra's own superuser, made on a node's first start unless roles exist. */
    private static final String DEFAULT_ROLE = "cassandra";
    /** What a backup holds besides the user keyspaces: tables' definitions and roles. */
    private static final List<String> SYSTEM_KEYSPACES = List.of("system_schema", "system_auth");

    private AivenLocalCassandra() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: AivenLocalCassandra USERS_FILE CONTROL_SOCKET PID_FILE");
            System.exit(2);
        }
        Path users = Paths.get(args[0]);
        Path socket = Paths.get(args[1]);
        Path pidFile = Paths.get(args[2]).toAbsolutePath();
        // The pid file first: a node that is still starting is one
        // aiven-local can find and stop (after a crash of its own, say).
        Path partial = pidFile.resolveSibling(pidFile.getFileName() + ".part");
        Files.writeString(partial, Long.toString(ProcessHandle.current().pid()));
        Files.move(partial, pidFile, StandardCopyOption.ATOMIC_MOVE);
        CassandraDaemon daemon = CassandraDaemon.getInstanceForTesting();
        daemon.activate();
        List<String> names = new ArrayList<>();
        for (String line : Files.readAllLines(users, StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
                JsonNode user = JSON.readTree(line);
                putUser(user);
                names.add(user.get("name").asText());
            }
        }
        IRoleManager roles = DatabaseDescriptor.getRoleManager();
        RoleResource fallback = RoleResource.role(DEFAULT_ROLE);
        if (!names.contains(DEFAULT_ROLE) && roles.isExistingRole(fallback)) {
            roles.dropRole(AuthenticatedUser.SYSTEM_USER, fallback);
        }
        daemon.startNativeTransport();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                Files.deleteIfExists(pidFile);
                Files.deleteIfExists(socket);
            } catch (IOException ignored) {
                // A stale pid file names a process that is gone.
            }
        }, "aiven-local-stop"));
        // The control socket last: its first answer says the node is ready.
        serve(listen(socket));
    }

    private static ServerSocketChannel listen(Path socket) throws IOException {
        Files.deleteIfExists(socket);
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
        return server;
    }

    /** One request at a time: aiven-local asks one thing of a service at once. */
    private static void serve(ServerSocketChannel server) throws IOException {
        while (true) {
            try (SocketChannel client = server.accept()) {
                BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(client), StandardCharsets.UTF_8));
                OutputStream out = Channels.newOutputStream(client);
                String line = in.readLine();
                ObjectNode answer = JSON.createObjectNode();
                try {
                    answer.put("ok", handle(JSON.readTree(line == null ? "{}" : line)));
                } catch (Exception err) {
                    answer.put("error", String.valueOf(err.getMessage() == null ? err : err.getMessage()));
                }
                out.write((answer.toString() + "\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
            } catch (IOException ignored) {
                // The asker went away; the next one is served.
            }
        }
    }

    private static String handle(JsonNode request) throws Exception {
        if (request.has("ping")) {
            return "pong";
        }
        if (request.has("user")) {
            putUser(request.get("user"));
            return "";
        }
        if (request.has("drop_user")) {
            RoleResource role = RoleResource.role(request.get("drop_user").asText());
            IRoleManager roles = DatabaseDescriptor.getRoleManager();
            if (roles.isExistingRole(role)) {
                DatabaseDescriptor.getAuthorizer().revokeAllFrom(role);
                roles.dropRole(AuthenticatedUser.SYSTEM_USER, role);
            }
            forget(role);
            return "";
        }
        if (request.has("backup")) {
            return Long.toString(backup(Paths.get(request.get("backup").asText())));
        }
        throw new IllegalArgumentException("unknown request " + request);
    }

    /**
     * The role `user` names, made if missing, with the password its hash
     * stands for; a superuser, or a login with every permission on the
     * data and none on roles.
     */
    private static void putUser(JsonNode user) {
        RoleResource role = RoleResource.role(user.get("name").asText());
        boolean superuser = user.get("superuser").asBoolean();
        IRoleManager roles = DatabaseDescriptor.getRoleManager();
        RoleOptions options = new RoleOptions();
        options.setOption(IRoleManager.Option.HASHED_PASSWORD, user.get("hash").asText());
        options.setOption(IRoleManager.Option.SUPERUSER, superuser);
        options.setOption(IRoleManager.Option.LOGIN, true);
        if (roles.isExistingRole(role)) {
            roles.alterRole(AuthenticatedUser.SYSTEM_USER, role, options);
        } else {
            roles.createRole(AuthenticatedUser.SYSTEM_USER, role, options);
        }
        if (!superuser) {
            Set<Permission> data = EnumSet.copyOf(DataResource.root().applicablePermissions());
            data.remove(Permission.AUTHORIZE);
            DatabaseDescriptor.getAuthorizer().grant(AuthenticatedUser.SYSTEM_USER, data, DataResource.root(), role);
        }
        forget(role);
    }

    /**
     * Drops what the node's caches hold of `role`, so that the change
     * counts from the next login on rather than when the caches expire
     * (two seconds by default), as the API's answer says it is done.
     */
    private static void forget(RoleResource role) {
        IAuthenticator authenticator = DatabaseDescriptor.getAuthenticator();
        if (authenticator instanceof PasswordAuthenticator) {
            ((PasswordAuthenticator) authenticator).getCredentialsCache().invalidateCredentials(role.getRoleName());
        }
        Roles.cache.invalidate(role);
        AuthenticatedUser.permissionsCache.invalidate();
    }

    /** Snapshots, links the snapshot into `target`, and forgets the snapshot. */
    private static long backup(Path target) throws Exception {
        List<String> keyspaces = new ArrayList<>(Schema.instance.getUserKeyspaces());
        keyspaces.addAll(SYSTEM_KEYSPACES);
        String tag = "aiven-local-" + UUID.randomUUID();
        String[] entities = keyspaces.toArray(new String[0]);
        StorageService.instance.takeSnapshot(tag, Collections.emptyMap(), entities);
        long files = 0;
        try {
            for (String location : DatabaseDescriptor.getAllDataFileLocations()) {
                for (String keyspace : keyspaces) {
                    Path dir = Paths.get(location, keyspace);
                    if (!Files.isDirectory(dir)) {
                        continue;
                    }
                    try (Stream<Path> tables = Files.list(dir)) {
                        for (Path table : (Iterable<Path>) tables::iterator) {
                            Path snapshot = table.resolve("snapshots").resolve(tag);
                            if (Files.isDirectory(snapshot)) {
                                files += link(snapshot, target.resolve(keyspace).resolve(table.getFileName()));
                            }
                        }
                    }
                }
            }
        } finally {
            StorageService.instance.clearSnapshot(tag, entities);
        }
        return files;
    }

    /** Hard links of the SSTable files under `from` (not the snapshot's manifest and schema). */
    private static long link(Path from, Path to) throws IOException {
        long count = 0;
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path file : (Iterable<Path>) walk::iterator) {
                String name = file.getFileName().toString();
                if (!Files.isRegularFile(file) || name.equals("manifest.json") || name.equals("schema.cql")) {
                    continue;
                }
                Path copy = to.resolve(from.relativize(file));
                Files.createDirectories(copy.getParent());
                Files.createLink(copy, file);
                count++;
            }
        }
        return count;
    }
}
