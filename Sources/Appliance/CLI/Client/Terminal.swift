import Glibc

/// The few terminal operations the client needs: unbuffered output for streamed text,
/// prompts on stderr (so stdout stays the answer), and a password read with echo off.
enum Terminal {
    /// Straight to the descriptor (no stdio buffer): streamed text shows as it arrives.
    static func write(_ text: String) { writeAll(STDOUT_FILENO, text) }

    static func note(_ text: String) { writeAll(STDERR_FILENO, text) }

    private static func writeAll(_ fd: Int32, _ text: String) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if written < 0, errno == EINTR { continue }
            guard written > 0 else { return }  // a closed pipe: nothing more can be shown
            bytes = bytes.dropFirst(written)
        }
    }

    static var inputIsTerminal: Bool { isatty(STDIN_FILENO) == 1 }

    /// One line from stdin after showing `prompt`; nil at end of input.
    static func ask(_ prompt: String) -> String? {
        note(prompt)
        return readLine(strippingNewline: true)
    }

    /// A secret from the controlling terminal with echo off; echo comes back even when the
    /// read fails. Nil when there is no terminal to ask (use `--password-stdin` then).
    static func askSecret(_ prompt: String) -> String? {
        let fd = open("/dev/tty", O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var saved = termios()
        guard tcgetattr(fd, &saved) == 0 else { return nil }
        var quiet = saved
        quiet.c_lflag &= ~tcflag_t(ECHO)
        _ = prompt.withCString { Glibc.write(fd, $0, strlen($0)) }
        guard tcsetattr(fd, TCSAFLUSH, &quiet) == 0 else { return nil }
        defer {
            tcsetattr(fd, TCSAFLUSH, &saved)
            _ = Glibc.write(fd, "\n", 1)
        }
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        // Bounded: a password is short; stop at newline, end of input or 4 KiB.
        while bytes.count < 4_096, read(fd, &byte, 1) == 1, byte != UInt8(ascii: "\n") {
            if byte != UInt8(ascii: "\r") { bytes.append(byte) }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
