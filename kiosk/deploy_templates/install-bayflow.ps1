# Installs bayflow @{role} node "@{name}" as a Windows service (WinSW) and, on a kiosk,
# the full-screen browser at logon. Made by `bayflow deploy windows`. Run in an
# administrator PowerShell from this folder, with WinSW-x64.exe beside it.
$ErrorActionPreference = "Stop"
$here = Split-Path -Parent $MyInvocation.MyCommand.Path
$winsw = Join-Path $here "WinSW-x64.exe"
if (-not (Test-Path $winsw)) { throw "WinSW-x64.exe is missing: download it from the WinSW releases into $here" }
Copy-Item $winsw (Join-Path $here "@{service}.exe") -Force
& (Join-Path $here "@{service}.exe") install
& (Join-Path $here "@{service}.exe") start
if ("@{role}" -eq "kiosk") {
  # Edge full screen on the kiosk's own address when the kiosk account logs on.
  $edge = "${env:ProgramFiles(x86)}\Microsoft\Edge\Application\msedge.exe"
  $action = New-ScheduledTaskAction -Execute $edge -Argument "--kiosk @{url} --edge-kiosk-type=fullscreen --no-first-run"
  $trigger = New-ScheduledTaskTrigger -AtLogOn
  Register-ScheduledTask -TaskName "bayflow screen @{name}" -Action $action -Trigger $trigger -Force | Out-Null
}
Write-Host "bayflow @{role} (@{name}) installed as the service @{service}; it starts at boot."
