import Core

/// The tombstone an erased user leaves: a keyed hash of the workspace and external id under the installation's key,
/// so the erasure can be proven by whoever holds the id, and nobody can read the id back from the database.
enum Erasure {
    static func tombstone(_ box: TokenBox, workspaceID: Int64, externalID: String) -> String {
        "erased:" + box.derivedSecret(purpose: "erasure", input: "\(workspaceID)\u{0}\(externalID)")
    }
}
