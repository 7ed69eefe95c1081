# Windows: bundle, self-test, installer. Run from the repository root in PowerShell:
#   py -3.11 -m venv .venv
#   .venv\Scripts\pip install --require-hashes --no-deps --only-binary :all: -r requirements\lock.txt
#   .\packaging\build_windows.ps1
# Needs Inno Setup 6 (iscc.exe on PATH; CI installs it with choco). Output:
#   packaging\out\video-uploader-<version>-setup.exe
# Not runnable on the Linux dev machine; CI (.github/workflows/build.yml) runs it.
$ErrorActionPreference = "Stop"
Set-Location (Split-Path -Parent $PSScriptRoot)
$py = ".venv\Scripts\python.exe"
$version = & $py -c "import desktop_app; print(desktop_app.__version__)"

& $py packaging\make_icons.py --out packaging\out\icons
if ($LASTEXITCODE) { throw "icons failed" }
& $py -m PyInstaller --noconfirm --clean --log-level WARN `
    --distpath packaging\out\dist --workpath packaging\out\build packaging\video_uploader.spec
if ($LASTEXITCODE) { throw "PyInstaller failed" }

# The Windows build has no console: the self-test writes its verdict to a file.
$verdict = Join-Path $env:TEMP "video-uploader-selftest.txt"
$env:VIDEO_UPLOADER_SELFTEST_OUT = $verdict
$env:QT_QPA_PLATFORM = "offscreen"
$p = Start-Process -FilePath "packaging\out\dist\video-uploader\video-uploader.exe" `
    -ArgumentList "--self-test" -Wait -PassThru
Get-Content $verdict
if ($p.ExitCode -ne 0) { throw "self-test failed" }
Remove-Item Env:QT_QPA_PLATFORM

iscc /DAppVersion=$version packaging\windows\video_uploader.iss
if ($LASTEXITCODE) { throw "Inno Setup failed" }
Get-ChildItem packaging\out\*.exe
