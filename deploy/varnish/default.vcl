# Varnish in front of the editorial site (README, "The edge"). Needs varnish-modules (xkey).
#
# - Pages are kept as long as the origin's Cache-Control allows (s-maxage when the site purges
#   this Varnish: EDITORIAL_PURGE_VARNISH_URLS) and dropped at once when the site purges their
#   surrogate keys: PURGE / with an "xkey-purge: key key..." header, from the addresses in the
#   "purgers" ACL only.
# - Nothing signed-in is cached: the admin, and any request with a session cookie or an
#   Authorization header, go straight to the origin. Other cookies (a reader's CSRF cookie) are
#   dropped from GET and HEAD requests: public pages do not read them.
# - Surrogate-Key and Cache-Tag are the origin's labels for this cache: stripped before delivery.
# - X-Cache says HIT or MISS (Age says for how long the copy has been kept).
#
# The backend below is the app on this machine; scripts and tests write their own port in.
vcl 4.1;

import xkey;

backend default {
    .host = "127.0.0.1";
    .port = "8000";
    .connect_timeout = 2s;
    .first_byte_timeout = 35s;
}

acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        if (!req.http.xkey-purge) {
            return (synth(400, "xkey-purge header missing"));
        }
        set req.http.n-gone = xkey.purge(req.http.xkey-purge);
        return (synth(200, "Purged " + req.http.n-gone + " object(s)"));
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    if (req.url ~ "^/admin(/|$)" || req.http.Authorization || req.http.Cookie ~ "(^|;\s*)sessionid=") {
        return (pass);
    }
    unset req.http.Cookie;
    return (hash);
}

sub vcl_backend_response {
    # Keys for xkey, from the origin's label (space-separated, as Varnish and Fastly read it).
    if (beresp.http.Surrogate-Key) {
        set beresp.http.xkey = beresp.http.Surrogate-Key;
    }
    # Whatever belongs to one client is never shared (the built-in VCL also refuses Set-Cookie
    # and no-store; private and Vary: Cookie are made explicit here).
    if (beresp.http.Set-Cookie || beresp.http.Cache-Control ~ "(private|no-store|no-cache)"
        || beresp.http.Vary ~ "(?i)cookie") {
        set beresp.uncacheable = true;
        set beresp.ttl = 120s;
        return (deliver);
    }
}

sub vcl_deliver {
    if (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
    unset resp.http.xkey;
    unset resp.http.Surrogate-Key;
    unset resp.http.Cache-Tag;
}
