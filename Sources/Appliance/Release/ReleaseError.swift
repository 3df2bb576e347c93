/// Why a release could not be installed or switched; the message says what to do.
struct ReleaseError: Error, CustomStringConvertible {
    enum Code: Sendable { case invalidArgument, checksumMismatch, io, conflict, noPrevious, brokenBinary }
    let code: Code
    let description: String

    init(_ code: Code, _ description: String) {
        self.code = code
        self.description = description
    }
}
