/// A kind of identifier a profile can carry into a partner's customer list.
///
/// Partner-neutral: each partner's rules (`FacebookIdentifiers`, later Google, TikTok…) map a field to
/// its own schema key, normalization and hashing.
public enum IdentifierField: String, CaseIterable, Sendable, Codable {
    case email, phone, firstName, lastName, firstInitial, city, state, zip, country, gender
    case birthYear, birthMonth, birthDay, mobileAdvertiserID, externalID
    /// Consent to use the person's data for ads (Google's `adUserData`), from the profile attribute
    /// `ad_user_data_consent`. Not an identifier: partners that want it (Google) send it with every row.
    case adUserDataConsent
    /// Consent to personalized ads (Google's `adPersonalization`), from `ad_personalization_consent`.
    case adPersonalizationConsent
    /// Meta's Limited Data Use flag (`DATA_PROCESSING_OPTIONS`), from the profile attribute `data_processing_options`
    /// ("LDU" or an array holding "LDU", any case) or Braze's `limited_data_use: true`. Not an identifier: Facebook
    /// sends it with every row, `["LDU"]` or `[]`.
    case dataProcessingOptions
}
