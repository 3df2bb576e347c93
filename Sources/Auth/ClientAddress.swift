import Net

/// The caller's address: the TCP peer, unless the peer is a trusted proxy, in which case the
/// right-most `X-Forwarded-For` entry that is not itself a trusted proxy. Entries that do not
/// look like an IP address are ignored, so a client cannot inject text into quota subjects.
public enum ClientAddress {
    public static func resolve(peer: String, forwardedFor: String?, trusted: Set<String>) -> String {
        guard trusted.contains(peer), let forwardedFor else { return peer }
        let hops = forwardedFor.split(separator: ",").map { $0.trimmed() }
        for hop in hops.reversed() {
            guard looksLikeIP(hop) else { return peer }
            if !trusted.contains(hop) { return hop }
        }
        return hops.first.flatMap { looksLikeIP($0) ? $0 : nil } ?? peer
    }

    static func looksLikeIP(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 45 && text.contains(where: { $0 == "." || $0 == ":" })
            && text.allSatisfy { $0.isHexDigit || $0 == "." || $0 == ":" }
    }
}
