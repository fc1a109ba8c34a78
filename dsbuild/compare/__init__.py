"""`dsbuild compare`: put several dataset versions (a sweep's, or any) side by side, in the terminal and in
one self-contained HTML report."""
