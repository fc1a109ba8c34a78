"""Human spot-checks of a version: draw a review pack (`dsbuild review sample`), then turn the reviewers'
verdicts into a new version with rejects removed and edits applied (`dsbuild review apply`)."""
