import ArgumentParser
import FoundationEssentials
import Net

/// Where the client commands go: `--url`, else `TRIFORCE_URL`, else the node saved by
/// `triforce login`, else the local node (host and port from the same settings `serve`
/// reads). The saved token and CA file are used only with the URL they were saved for.
struct ClientOptions: ParsableArguments {
    @Option(name: .long, help: "Node URL (env TRIFORCE_URL; default: the logged-in node, else the local node).")
    var url: String?

    @Option(name: .long, help: "PEM file of CA certificates to trust for HTTPS (default: the system's).")
    var cacert: String?

    func makeClient(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> NodeClient {
        let saved = try ClientCredentials.load(from: ClientCredentials.path(environment: environment))
        let target = try Self.normalize(url ?? environment["TRIFORCE_URL"] ?? saved?.url ?? Self.localURL(environment: environment))
        let matching = saved.flatMap { $0.url == target ? $0 : nil }
        let token = environment["TRIFORCE_TOKEN"].flatMap { $0.isEmpty ? nil : $0 } ?? matching?.token
        let caFile = try cacert.map(Self.absolute) ?? matching?.caFile
        return try NodeClient(baseURL: target, token: token, caFile: caFile)
    }

    /// The node `triforce serve` in this directory would listen on.
    static func localURL(environment: [String: String]) throws -> String {
        let configuration = ApplianceConfiguration(flags: [:], environment: environment, dotenv: (try? DotEnv.load(path: ".env")) ?? [:])
        let host = configuration.host == "0.0.0.0" || configuration.host == "::" ? "127.0.0.1" : configuration.host
        let scheme = (try? configuration.tlsFiles()) != nil ? "https" : "http"
        let port = try configuration.port()
        return "\(scheme)://\(host.contains(":") ? "[\(host)]" : host):\(port == 0 ? 9000 : port)"
    }

    /// `host:port` becomes `http://host:port`; a trailing slash goes; other schemes are refused.
    static func normalize(_ text: String) throws(ClientError) -> String {
        var url = text.trimmed()
        if !url.contains("://") { url = "http://" + url }
        guard url.hasPrefix("http://") || url.hasPrefix("https://"), url.count > "https://".count else {
            throw ClientError("\(text) is not an http:// or https:// URL")
        }
        while url.hasSuffix("/") { url.removeLast() }
        return url
    }

    static func absolute(_ path: String) throws(ClientError) -> String {
        guard FileManager.default.fileExists(atPath: path) else { throw ClientError("--cacert \(path): no such file") }
        return path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }
}
