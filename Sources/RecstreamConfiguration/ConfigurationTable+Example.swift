extension ConfigurationTable {
    /// A TOML file that sets every key to its value in `root`, each under
    /// its summary, grouped in `[section]`s by the first part of the name;
    /// families follow their section as a commented-out table. `header` opens
    /// the file as comment lines.
    public func exampleFile(_ root: Root, header: String) -> String {
        var lines = Self.comment(header)
        var sections: [String] = []
        for name in keys.map(\.name) + families.map(\.prefix) {
            let section = Self.section(of: name)
            if !sections.contains(section) { sections.append(section) }
        }
        for section in sections {
            lines += ["", "[\(section)]"]
            for key in keys where Self.section(of: key.name) == section {
                let local = String(key.name.dropFirst(section.count + 1))
                lines += Self.comment(key.isChoice ? "\(key.summary) (\(key.typeDescription))" : key.summary)
                lines.append("\(local.contains(".") ? TOMLDocument.quoted(local) : local) = \(key.literal(root))")
            }
            for family in families where Self.section(of: family.prefix) == section {
                lines += ["", "# [\(family.prefix)]"] + Self.comment(family.summary)
                lines += family.examples.map { "# \(TOMLDocument.quoted($0.key)) = \(TOMLDocument.quoted($0.value))" }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func section(of name: String) -> String {
        String(name.prefix { $0 != "." })
    }

    /// `text` as `# ` lines of at most 80 columns.
    private static func comment(_ text: String) -> [String] {
        var lines: [String] = []
        var line = "#"
        for word in text.split(separator: " ") {
            if line.count + 1 + word.count > 80 && line != "#" {
                lines.append(line)
                line = "#"
            }
            line += " " + word
        }
        return lines + [line]
    }
}
