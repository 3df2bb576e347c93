import FoundationEssentials
import Glibc
import Net

/// What `triforce login` saved: the node's URL, the bearer token, and the CA file used.
/// Lives in `$XDG_CONFIG_HOME/triforce/credentials` (else `~/.config/triforce/credentials`),
/// mode 0600 in a 0700 directory: it is a password-equivalent.
struct ClientCredentials: Sendable, Equatable {
    var url: String
    var token: String
    var email: String?
    var caFile: String?

    static func path(environment: [String: String]) throws(ClientError) -> String {
        if let config = environment["XDG_CONFIG_HOME"], config.hasPrefix("/") { return config + "/triforce/credentials" }
        guard let home = environment["HOME"], !home.isEmpty else {
            throw ClientError("neither XDG_CONFIG_HOME nor HOME is set; cannot find the credentials file")
        }
        return home + "/.config/triforce/credentials"
    }

    /// Nil when there is no file (not logged in); an unreadable or corrupt file is an error.
    static func load(from path: String) throws(ClientError) -> ClientCredentials? {
        guard access(path, F_OK) == 0 else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ClientError("cannot read \(path); check its permissions")
        }
        guard let json = JSONValue.parse(data), let url = json["url"]?.stringValue, let token = json["token"]?.stringValue else {
            throw ClientError("\(path) is not a credentials file written by `triforce login`; run `triforce logout` and log in again")
        }
        return ClientCredentials(url: url, token: token, email: json["email"]?.stringValue, caFile: json["cacert"]?.stringValue)
    }

    /// Written to a temporary file created 0600 and renamed over the old one, so the token
    /// is never readable by others, not even for a moment, and a crash leaves the old file.
    func save(to path: String) throws(ClientError) {
        let directory = String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)])
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw ClientError("cannot create \(directory): \(error)")
        }
        // An existing directory left looser by hand is tightened too: it holds the token.
        guard chmod(directory, 0o700) == 0 else { throw ClientError("cannot restrict \(directory) to its owner (errno \(errno))") }
        var fields: [String: JSONValue] = ["url": .string(url), "token": .string(token)]
        if let email { fields["email"] = .string(email) }
        if let caFile { fields["cacert"] = .string(caFile) }
        let bytes = Array((JSONValue.object(fields).jsonText + "\n").utf8)
        let temporary = path + ".tmp"
        unlink(temporary)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw ClientError("cannot write \(temporary) (errno \(errno))") }
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd) == 0
        close(fd)
        guard written == bytes.count, synced, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw ClientError("cannot write \(path) (errno \(errno))")
        }
    }

    /// True when a file was removed.
    static func delete(at path: String) throws(ClientError) -> Bool {
        if unlink(path) == 0 { return true }
        if errno == ENOENT { return false }
        throw ClientError("cannot remove \(path) (errno \(errno))")
    }
}

/// A CLI client failure, printed as is; the command exits non-zero.
struct ClientError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
