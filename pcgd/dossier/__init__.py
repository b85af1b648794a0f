"""The annual recognition dossier (hồ sơ đề nghị công nhận), issue 14."""
