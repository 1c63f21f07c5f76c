package dev.zero.service.catalogue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.zero.api.VolumePolicy;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.UncheckedIOException;

/** Tiering policy per volume, stored as JSON; a volume without one follows {@link VolumePolicy#DEFAULT}. */
@ApplicationScoped
public class Policies {
    private final Db db;
    private final ObjectMapper json;

    Policies(Db db, ObjectMapper json) {
        this.db = db;
        this.json = json;
    }

    public VolumePolicy get(String volume) {
        return db.inTransaction(c -> {
            long volumeId = Volumes.idOf(c, volume);
            try (var s = Db.bind(c.prepareStatement("select policy::text from volume_policy where volume_id = ?"), volumeId);
                    var rs = s.executeQuery()) {
                return rs.next() ? read(rs.getString(1)) : VolumePolicy.DEFAULT;
            }
        });
    }

    public VolumePolicy set(String volume, VolumePolicy policy) {
        String body = write(policy);
        return db.inTransaction(c -> {
            long volumeId = Volumes.idOf(c, volume);
            try (var s = Db.bind(c.prepareStatement("""
                    insert into volume_policy (volume_id, policy) values (?, ?::jsonb)
                    on conflict (volume_id) do update set policy = excluded.policy, updated_at = now()"""), volumeId, body)) {
                s.executeUpdate();
            }
            return policy;
        });
    }

    private VolumePolicy read(String body) {
        try {
            return json.readValue(body, VolumePolicy.class);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("stored policy does not parse", e);
        }
    }

    private String write(VolumePolicy policy) {
        try {
            return json.writeValueAsString(policy);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
