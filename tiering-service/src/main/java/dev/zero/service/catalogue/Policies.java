package dev.zero.service.catalogue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.zero.api.VolumePolicy;
import jakarta.enterprise.context.ApplicationScoped;
import dev.zero.api.PathRule;
import dev.zero.service.rest.ApiException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

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
        return db.inTransaction(c -> {
            store(c, Volumes.idOf(c, volume), policy);
            return policy;
        });
    }

    /**
     * Applies {@code change} to the volume's policy, atomically with respect to other changes
     * (the volume's row is locked); stores the result unless {@code dryRun}. A change that does
     * not validate throws IllegalArgumentException (a 400) and stores nothing.
     */
    public VolumePolicy update(String volume, UnaryOperator<VolumePolicy> change, boolean dryRun) {
        return db.inTransaction(c -> update(c, Volumes.idOf(c, volume), change, dryRun));
    }

    VolumePolicy update(Connection c, long volumeId, UnaryOperator<VolumePolicy> change, boolean dryRun) throws SQLException {
        try (var s = Db.bind(c.prepareStatement("select id from volume where id = ? for update"), volumeId)) {
            s.executeQuery().close();
        }
        VolumePolicy next = change.apply(current(c, volumeId));
        if (!dryRun) {
            store(c, volumeId, next);
        }
        return next;
    }

    private VolumePolicy current(Connection c, long volumeId) throws SQLException {
        try (var s = Db.bind(c.prepareStatement("select policy::text from volume_policy where volume_id = ?"), volumeId);
                var rs = s.executeQuery()) {
            return rs.next() ? read(rs.getString(1)) : VolumePolicy.DEFAULT;
        }
    }

    private void store(Connection c, long volumeId, VolumePolicy policy) throws SQLException {
        try (var s = Db.bind(c.prepareStatement("""
                insert into volume_policy (volume_id, policy) values (?, ?::jsonb)
                on conflict (volume_id) do update set policy = excluded.policy, updated_at = now()"""), volumeId, write(policy))) {
            s.executeUpdate();
        }
    }

    /** Adds {@code rule} at {@code position} (0 is first; null or past the end: last), replacing a rule with the same glob. */
    public VolumePolicy addRule(String volume, PathRule rule, Integer position) {
        return update(volume, p -> withRule(p, rule, position), false);
    }

    static VolumePolicy withRule(VolumePolicy p, PathRule rule, Integer position) {
        List<PathRule> rules = new ArrayList<>(p.rules());
        rules.removeIf(r -> r.glob().equals(rule.glob()));
        if (position != null && position < 0) {
            throw new IllegalArgumentException("position must be 0 (first) or more, got " + position);
        }
        rules.add(position == null ? rules.size() : Math.min(position, rules.size()), rule);
        return p.withRules(rules);
    }

    /** Removes the rule with exactly this glob; 404 when there is none. */
    public VolumePolicy removeRule(String volume, String glob) {
        return update(volume, p -> withoutRule(p, glob), false);
    }

    static VolumePolicy withoutRule(VolumePolicy p, String glob) {
        List<PathRule> rules = new ArrayList<>(p.rules());
        if (!rules.removeIf(r -> r.glob().equals(glob))) {
            throw ApiException.notFound("the policy has no rule for '" + glob + "'; its rules: "
                    + (p.rules().isEmpty() ? "none" : String.join(", ", p.rules().stream().map(PathRule::glob).toList())));
        }
        return p.withRules(rules);
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
