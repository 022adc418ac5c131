package admin

// The admin's English texts, in one place so that they can be translated later.
// (Written for Galvani; not Django's wording.)
const (
	textLogAdded   = "Added “%s”."
	textLogChanged = "Changed “%s”: %s"
	textLogDeleted = "Deleted “%s”."

	textStaffLogin     = "Enter the username and password of a staff account. Both may be case-sensitive."
	textLoggedOut      = "You have logged out."
	textAdded          = "Added %s “%s”."
	textAddedContinue  = "Added %s “%s”. You can keep editing it below."
	textAddedAnother   = "Added %s “%s”. You can add another one below."
	textChanged        = "Saved %s “%s”."
	textChangedCont    = "Saved %s “%s”. You can keep editing it below."
	textChangedAnother = "Saved %s “%s”. You can add another one below."
	textDeleted        = "Deleted %s “%s”."
	textDeletedMany    = "Deleted %d %s."
	textFixErrors      = "Please fix the error below."
	textFixErrorsMany  = "Please fix the errors below."
	textNoAction       = "Choose an action to run."
	textNoSelection    = "Select the items to run the action on. Nothing was changed."
	textBadLookup      = "The list could not be filtered that way; showing it unfiltered."
	textNoPermission   = "You may not do that."
	textMsgAdded       = "Added."
	textMsgChanged     = "Changed %s."
	textMsgNoChange    = "No fields changed."
	textPasswordSaved  = "Your password was changed."
)
