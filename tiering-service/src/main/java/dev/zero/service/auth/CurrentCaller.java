package dev.zero.service.auth;

import jakarta.enterprise.context.RequestScoped;

/** The caller of the request being served, set by {@link BearerTokens} before any resource runs. */
@RequestScoped
public class CurrentCaller {
    private Caller caller = Caller.NONE;

    public Caller get() {
        return caller;
    }

    void set(Caller caller) {
        this.caller = caller;
    }
}
