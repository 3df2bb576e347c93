/// Hides credentials a non-secret setting may carry: the userinfo of a URL
/// (`https://user:pass@host` → `https://****@host`) and the values of query parameters whose
/// names say they are secrets (`?api_key=…`, `token`, `sig`, …). For `triforce config`,
/// whose output ends up in tickets and chat.
enum SecretRedaction {
    static let secretParameterWords = ["key", "token", "secret", "pass", "pwd", "auth", "sig", "credential", "session"]

    static func redactURLCredentials(_ text: String) -> String {
        guard let scheme = text.firstRange(of: "://") else { return text }
        let authorityStart = scheme.upperBound
        let authorityEnd = text[authorityStart...].firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? text.endIndex
        var result = String(text[..<authorityStart])
        let authority = text[authorityStart..<authorityEnd]
        if let at = authority.lastIndex(of: "@") {
            result += "****" + authority[at...]
        } else {
            result += authority
        }
        let rest = text[authorityEnd...]
        guard let question = rest.firstIndex(of: "?") else { return result + rest }
        let fragmentStart = rest[question...].firstIndex(of: "#") ?? rest.endIndex
        result += rest[..<rest.index(after: question)]
        let parameters = rest[rest.index(after: question)..<fragmentStart].split(separator: "&", omittingEmptySubsequences: false)
        result += parameters.map { parameter -> String in
            guard let equals = parameter.firstIndex(of: "=") else { return String(parameter) }
            let name = parameter[..<equals].lowercased()
            guard secretParameterWords.contains(where: { name.contains($0) }) else { return String(parameter) }
            return parameter[...equals] + "****"
        }.joined(separator: "&")
        return result + rest[fragmentStart...]
    }
}
