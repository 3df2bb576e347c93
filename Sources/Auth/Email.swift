import Net

/// Email normalization: trimmed and lowercased, so lookups and the unique index agree.
/// Validation is deliberately simple (one @, a non-empty local part, a domain without
/// spaces or control characters); `admin@localhost` is valid on purpose.
public enum Email {
    public static func normalize(_ raw: String) throws(AuthError) -> String {
        let email = raw.trimmed().lowercased()
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard email.utf8.count <= 254, parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty,
              !parts[1].hasPrefix("."), !parts[1].hasSuffix("."), !email.contains(".."),
              email.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7f && !"<>()[]\\,;:\"".unicodeScalars.contains($0) })
        else {
            throw AuthError(.invalidEmail, "'\(raw.prefix(80))' is not a valid email address (expected name@domain)")
        }
        return email
    }
}
