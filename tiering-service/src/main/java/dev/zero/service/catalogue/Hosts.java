package dev.zero.service.catalogue;

import dev.zero.api.HostReport;
import dev.zero.api.HostView;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Hosts that run agents: their cache disk and when they were last heard from. */
@ApplicationScoped
public class Hosts {
    /** The host's columns, and the disk target of the volumes it serves (their policies' sum). */
    private static final String COLUMNS = """
            id, name, capacity_bytes, used_bytes, cache_bytes, needed_bytes, registered_at, last_heartbeat,
            (select sum((p.policy->>'targetBytes')::bigint) from volume v join volume_policy p on p.volume_id = v.id
             where v.host_id = host.id) as target,
            (select sum(((p.policy->>'targetBytes')::bigint * (p.policy->>'highWatermark')::double precision)::bigint)
             from volume v join volume_policy p on p.volume_id = v.id where v.host_id = host.id) as high,
            (select sum((p.policy->>'maxBytes')::bigint) from volume v join volume_policy p on p.volume_id = v.id
             where v.host_id = host.id) as max""";

    private final Db db;

    Hosts(Db db) {
        this.db = db;
    }

    /** Registers the host on first call; afterwards records the heartbeat and the disk figures. */
    public HostView heartbeat(String name, HostReport report) {
        return db.inTransaction(c -> {
            try (var s = Db.bind(c.prepareStatement("""
                    insert into host (name, capacity_bytes, used_bytes, cache_bytes, needed_bytes) values (?, ?, ?, ?, ?)
                    on conflict (name) do update set capacity_bytes = excluded.capacity_bytes,
                        used_bytes = excluded.used_bytes, cache_bytes = excluded.cache_bytes, needed_bytes = excluded.needed_bytes,
                        last_heartbeat = now()
                    returning """ + " " + COLUMNS), name, report.capacityBytes(), report.usedBytes(), report.cacheBytes(),
                    report.neededBytes());
                    var rs = s.executeQuery()) {
                rs.next();
                return view(rs);
            }
        });
    }

    public List<HostView> list() {
        return db.inTransaction(c -> {
            try (var s = c.prepareStatement("select " + COLUMNS + " from host order by name"); var rs = s.executeQuery()) {
                List<HostView> hosts = new ArrayList<>();
                while (rs.next()) {
                    hosts.add(view(rs));
                }
                return hosts;
            }
        });
    }

    static Optional<Long> idOf(Connection c, String name) throws SQLException {
        try (var s = Db.bind(c.prepareStatement("select id from host where name = ?"), name); var rs = s.executeQuery()) {
            return rs.next() ? Optional.of(rs.getLong(1)) : Optional.empty();
        }
    }

    private static HostView view(ResultSet rs) throws SQLException {
        return new HostView(rs.getLong("id"), rs.getString("name"), rs.getLong("capacity_bytes"), rs.getLong("used_bytes"),
                rs.getLong("cache_bytes"), rs.getLong("needed_bytes"), nullableLong(rs, "target"), nullableLong(rs, "high"),
                nullableLong(rs, "max"), Db.instant(rs.getTimestamp("registered_at")), Db.instant(rs.getTimestamp("last_heartbeat")));
    }

    private static Long nullableLong(ResultSet rs, String column) throws SQLException {
        long value = rs.getLong(column);
        return rs.wasNull() ? null : value;
    }
}
