package dev.zero.service.catalogue;

import dev.zero.api.VolumeView;
import dev.zero.service.rest.ApiException;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** Volumes: one mounted tree each, served by one host. */
@ApplicationScoped
public class Volumes {
    private static final String VIEW = """
            select v.id, v.name, h.name as host, v.applied_seq,
                   (select count(*) from file f where f.volume_id = v.id) as files
            from volume v join host h on h.id = v.host_id
            """;

    private final Db db;

    Volumes(Db db) {
        this.db = db;
    }

    /**
     * Creates the volume on first call, with its root directory. A volume belongs to one host:
     * another host claiming it is refused, since two agents journaling one tree would corrupt it.
     */
    public VolumeView register(String name, String host) {
        return db.inTransaction(c -> {
            long hostId = Hosts.idOf(c, host)
                    .orElseThrow(() -> ApiException.notFound("host " + host + " is not registered; PUT /api/v1/hosts/" + host + " first"));
            try (var s = Db.bind(c.prepareStatement("""
                    insert into volume (name, host_id) values (?, ?) on conflict (name) do nothing returning id"""), name, hostId);
                    var rs = s.executeQuery()) {
                if (rs.next()) {
                    insertRoot(c, rs.getLong(1));
                }
            }
            VolumeView view = find(c, name);
            if (!view.host().equals(host)) {
                throw ApiException.conflict("volume " + name + " is served by host " + view.host() + ", not " + host);
            }
            return view;
        });
    }

    private static void insertRoot(Connection c, long volumeId) throws SQLException {
        try (var s = Db.bind(c.prepareStatement("""
                insert into file (volume_id, id, type, size, mode, uid, gid, nlink, atime, mtime, ctime, last_access)
                values (?, ?, 'DIRECTORY', 0, 493, 0, 0, 2, now(), now(), now(), now())"""), volumeId, VolumeView.ROOT_FILE_ID)) {
            s.executeUpdate();
        }
    }

    public List<VolumeView> list() {
        return db.inTransaction(c -> {
            try (var s = c.prepareStatement(VIEW + " order by v.name"); var rs = s.executeQuery()) {
                List<VolumeView> volumes = new ArrayList<>();
                while (rs.next()) {
                    volumes.add(view(rs));
                }
                return volumes;
            }
        });
    }

    /** The volume's id, or 404. */
    public long id(String name) {
        return db.inTransaction(c -> idOf(c, name));
    }

    static VolumeView find(Connection c, String name) throws SQLException {
        try (var s = Db.bind(c.prepareStatement(VIEW + " where v.name = ?"), name); var rs = s.executeQuery()) {
            if (!rs.next()) {
                throw ApiException.notFound("no volume named " + name);
            }
            return view(rs);
        }
    }

    /** The volume's id, or 404. */
    static long idOf(Connection c, String name) throws SQLException {
        try (var s = Db.bind(c.prepareStatement("select id from volume where name = ?"), name); var rs = s.executeQuery()) {
            if (!rs.next()) {
                throw ApiException.notFound("no volume named " + name);
            }
            return rs.getLong(1);
        }
    }

    private static VolumeView view(ResultSet rs) throws SQLException {
        return new VolumeView(rs.getLong("id"), rs.getString("name"), rs.getString("host"), rs.getLong("applied_seq"), rs.getLong("files"));
    }
}
