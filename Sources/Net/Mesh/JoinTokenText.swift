/// The text form of a mesh join token, `tfjoin1.<base64url(JSON payload)>`, decoded without
/// trusting it: bounded length, strict base64url, our depth-limited JSON parser. Pure, so it
/// can be fuzzed apart from the appliance (bench/fuzz.sh target `jointoken`).
public enum JoinTokenText {
    public static let prefix = "tfjoin1."
    /// Real tokens are ~300 bytes; anything much longer is not one.
    public static let maxBytes = 4096
    /// The payload is one flat object.
    static let maxDepth = 2

    /// The payload object, nil when the text is not a well-formed token.
    public static func decode(_ token: String) -> [String: JSONValue]? {
        guard token.utf8.count <= maxBytes, token.hasPrefix(prefix),
              let bytes = Base64URL.decode(token.dropFirst(prefix.count)) else { return nil }
        return (try? JSONParser(maxDepth: maxDepth).parse(bytes))?.objectValue
    }
}
