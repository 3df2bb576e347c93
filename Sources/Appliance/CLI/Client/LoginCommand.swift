import ArgumentParser
import FoundationEssentials
import Net

/// `triforce login [URL] [--email E] [--password-stdin] [--cacert F]`: asks for what is
/// missing, gets a token from `/v1/client/login` and saves it (mode 0600).
struct LoginCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "login", abstract: "Log in to a node and save the token for the other client commands.")

    @Argument(help: "Node URL (default: the local node).") var url: String?
    @Option(name: .long, help: "Account email (asked when missing).") var email: String?
    @Flag(name: .long, help: "Read the password from the first line of stdin instead of asking.") var passwordStdin = false
    @Option(name: .long, help: "PEM file of CA certificates to trust for HTTPS; saved with the token.") var cacert: String?

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let target = try ClientOptions.normalize(url ?? ClientOptions.localURL(environment: environment))
        let caFile = try cacert.map(ClientOptions.absolute)
        guard let email = (email ?? Terminal.ask("email: "))?.trimmed(), !email.isEmpty else {
            throw ClientError("an email is required (--email)")
        }
        let password: String
        if passwordStdin {
            guard let line = readLine(strippingNewline: true), !line.isEmpty else {
                throw ClientError("--password-stdin: stdin held no password")
            }
            password = line
        } else {
            guard let typed = Terminal.askSecret("password for \(email): ") else {
                throw ClientError("no terminal to ask for the password; pass it on stdin with --password-stdin")
            }
            password = typed
        }
        let client = try NodeClient(baseURL: target, token: nil, caFile: caFile)
        let answer = try await client.json("POST", "/v1/client/login", body: ["email": .string(email), "password": .string(password)])
        guard let token = answer["token"]?.stringValue, !token.isEmpty else {
            throw ClientError("\(target) answered the login without a token; is it a triforce node?")
        }
        let path = try ClientCredentials.path(environment: environment)
        try ClientCredentials(url: target, token: token, email: email, caFile: caFile).save(to: path)
        let tier = answer["tier"]?.stringValue.map { " (tier \($0))" } ?? ""
        print("logged in to \(target) as \(email)\(tier); token saved in \(path)")
    }
}

/// `triforce logout`: revokes the saved token on its node (best effort) and deletes the file.
struct LogoutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "logout", abstract: "Revoke the saved token and forget it.")

    func run() async throws {
        let path = try ClientCredentials.path(environment: ProcessInfo.processInfo.environment)
        guard let saved = try ClientCredentials.load(from: path) else {
            print("not logged in (no \(path))")
            return
        }
        var revoked = "revoked on \(saved.url)"
        do {
            let client = try NodeClient(baseURL: saved.url, token: saved.token, caFile: saved.caFile)
            _ = try await client.send(client.request("POST", "/v1/client/logout"))
        } catch {
            // The file goes regardless: the user asked to forget the token here.
            revoked = "not revoked on the node (\(error)); it expires on its own"
        }
        _ = try ClientCredentials.delete(at: path)
        print("logged out: token \(revoked); removed \(path)")
    }
}
