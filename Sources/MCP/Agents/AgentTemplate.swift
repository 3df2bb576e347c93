/// The safety rules for an agent's argv template. The prompt is untrusted text; it must
/// reach the agent as one plain argument, never as code and never as an option.
///
/// - A template whose `{prompt}` lands in code an interpreter runs (`sh -c '… {prompt}'`,
///   `python3 -c {prompt}`, `node -e`, `perl -e`, …) or inside a larger argument
///   (`--message={prompt}`, `'echo {prompt}'`) is refused at `agent add` unless the admin
///   passes `--allow-shell-interpolation`, which is stored with the agent.
/// - A prompt starting with `-` gets a `--` before it when the template allows that (no
///   `--` yet, and no option after the prompt); otherwise the call is refused.
public enum AgentTemplate {
    public static let marker = "{prompt}"

    /// Why a template is dangerous, in words an admin understands.
    public enum Risk: Sendable, Equatable, CustomStringConvertible {
        case interpretedCode(program: String, flag: String)
        case embedded(element: String)

        public var description: String {
            switch self {
            case .interpretedCode(let program, let flag):
                "\(program) \(flag) runs its argument as code, and {prompt} is in it: a prompt could run any command"
            case .embedded(let element):
                "{prompt} is inside the larger argument \"\(element)\": the prompt is spliced into text rather than passed alone"
            }
        }
    }

    /// Shells and interpreters, by basename, with the flags whose argument is code.
    static let codeFlags: [String: Set<String>] = {
        var table: [String: Set<String>] = [:]
        for shell in ["sh", "bash", "zsh", "dash", "ksh", "mksh", "ash", "fish", "csh", "tcsh", "busybox", "rbash"] {
            table[shell] = ["-c"]
        }
        for python in ["python", "python2", "python3", "pypy", "pypy3"] { table[python] = ["-c"] }
        for node in ["node", "nodejs", "bun", "deno"] { table[node] = ["-e", "--eval", "-p", "--print", "eval"] }
        table["perl"] = ["-e", "-E"]
        table["ruby"] = ["-e"]
        table["php"] = ["-r"]
        table["lua"] = ["-e"]
        table["osascript"] = ["-e"]
        table["pwsh"] = ["-c", "-command", "-Command"]
        table["powershell"] = ["-c", "-command", "-Command"]
        table["tclsh"] = ["-c"]
        table["Rscript"] = ["-e"]
        return table
    }()

    /// Programs whose first operand is a program text (no flag needed).
    static let programOperand: Set<String> = ["awk", "gawk", "mawk", "nawk", "sed", "jq", "eval"]

    /// Wrappers that run the rest of the argv as a command.
    static let wrappers: Set<String> = ["env", "nice", "nohup", "timeout", "stdbuf", "sudo", "doas", "exec", "command", "xargs"]

    /// Every risk in `argv` (empty: safe).
    public static func risks(_ argv: [String]) -> [Risk] {
        var risks: [Risk] = []
        for element in argv where element.contains(marker) && element != marker {
            risks.append(.embedded(element: element))
        }
        // Find each program in the chain (wrappers run the next word as a program).
        var index = 0
        while index < argv.count {
            let program = basename(argv[index])
            if wrappers.contains(program) {
                index += 1
                // Skip the wrapper's own options and VAR=value words, and a timeout's duration.
                while index < argv.count, argv[index].hasPrefix("-") || argv[index].contains("=") || argv[index].first?.isNumber == true {
                    index += 1
                }
                continue
            }
            let flags = codeFlags[versionless(program)] ?? []
            var position = index + 1
            var sawOperand = false
            while position < argv.count {
                let word = argv[position]
                if word.contains(marker) {
                    if let flag = codeFlag(before: position, in: argv, flags: flags, program: versionless(program)) {
                        risks.append(.interpretedCode(program: program, flag: flag))
                    } else if programOperand.contains(versionless(program)), !sawOperand {
                        risks.append(.interpretedCode(program: program, flag: "(program text)"))
                    }
                }
                if !word.hasPrefix("-") { sawOperand = true }
                position += 1
            }
            break
        }
        return risks
    }

    /// The code flag whose argument is at `position` (`-c {prompt}`), or a flag cluster
    /// ending in it glued to the marker (`-c{prompt}`, `-ec`).
    static func codeFlag(before position: Int, in argv: [String], flags: Set<String>, program: String) -> String? {
        let word = argv[position]
        for flag in flags where word.hasPrefix(flag) && word != flag && flag.hasPrefix("-") { return flag }
        guard position > 0 else { return nil }
        let previous = argv[position - 1]
        if flags.contains(previous) { return previous }
        // Shell flag clusters such as -ec, -xc: the last letter c takes the next word as code.
        if codeFlags[program]?.contains("-c") == true, previous.hasPrefix("-"), !previous.hasPrefix("--"), previous.hasSuffix("c") {
            return previous
        }
        // sh -c 'script' name {prompt}... passes the prompt as $1: not code. Anything after a
        // code flag's argument is a positional parameter.
        return nil
    }

    static func basename(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }

    /// `python3.12` → `python3`, `perl5.36` → `perl5`… and then the table's spelling.
    static func versionless(_ program: String) -> String {
        if codeFlags[program] != nil || programOperand.contains(program) { return program }
        let trimmed = String(program.prefix { $0 != "." })
        if codeFlags[trimmed] != nil { return trimmed }
        let letters = String(trimmed.prefix { !$0.isNumber })
        return codeFlags[letters] != nil || programOperand.contains(letters) ? letters : program
    }

    /// The argv for one prompt. The first whole `{prompt}` element is replaced by the prompt
    /// (without one, the prompt is appended); a leading `-` gets `--` before it where that
    /// cannot change the meaning of the template's other arguments, and is refused otherwise.
    /// Embedded markers are substituted as text: only templates stored with
    /// `--allow-shell-interpolation` have them (`AgentStore` refuses the rest).
    public static func command(_ argv: [String], prompt: String) throws(ToolError) -> [String] {
        if argv.contains(where: { $0.contains(marker) && $0 != marker }) {
            return argv.map { $0.replacing(marker, with: prompt) }
        }
        guard let index = argv.firstIndex(of: marker) else { return try insert(prompt, into: argv, at: argv.count) }
        var rest = argv
        rest.remove(at: index)
        let result = try insert(prompt, into: rest, at: index)
        guard result.contains(marker) else { return result }
        // Further {prompt} elements: only one of them could get a "--".
        guard !prompt.hasPrefix("-") else {
            throw ToolError(.refused, "the prompt starts with '-' and this agent's template uses {prompt} more than once; rephrase the prompt so it does not start with '-'")
        }
        return result.map { $0 == marker ? prompt : $0 }
    }

    /// Inserts the prompt at `index`, preceded by `--` when it starts with `-` and no `--`
    /// comes earlier; refuses when options follow (they would turn into operands).
    static func insert(_ prompt: String, into argv: [String], at index: Int) throws(ToolError) -> [String] {
        var result = argv
        guard prompt.hasPrefix("-"), !argv[..<index].contains("--") else {
            result.insert(prompt, at: index)
            return result
        }
        guard !argv[index...].contains(where: { $0.hasPrefix("-") }) else {
            throw ToolError(.refused, "the prompt starts with '-' and this agent's template has options after the prompt, so it would be read as an option; rephrase the prompt so it does not start with '-'")
        }
        result.insert(contentsOf: ["--", prompt], at: index)
        return result
    }
}
