# The app from this checkout: the renderer, the Electron shell (run by nixpkgs' electron, since
# npm's binary cannot run on NixOS) and the agent bundle, which runs under nodejs.
{ lib
, buildNpmPackage
, importNpmLock
, nodejs_20
, electron
, makeWrapper
, python3
}:

let
  src = lib.fileset.toSource {
    root = ../.;
    fileset = lib.fileset.unions [
      ../package.json
      ../package-lock.json
      ../vite.config.ts
      ../tsconfig.json
      ../tsconfig.renderer.json
      ../tsconfig.shared.json
      ../agent
      ../assets
      ../electron
      ../hub
      ../renderer
      ../scripts
      ../shared
    ];
  };
in
buildNpmPackage {
  pname = "nspawn-desktop";
  version = (lib.importJSON ../package.json).version;
  inherit src;
  nodejs = nodejs_20;

  # Every package is fetched by the integrity in package-lock.json: no separate hash to update.
  npmDeps = importNpmLock { npmRoot = src; };
  npmConfigHook = importNpmLock.npmConfigHook;

  env.ELECTRON_SKIP_BINARY_DOWNLOAD = "1";
  nativeBuildInputs = [ makeWrapper python3 ]; # python3: node-gyp builds node-pty

  npmBuildScript = "build";

  installPhase = ''
    runHook preInstall

    app=$out/lib/nspawn-desktop
    mkdir -p $app/assets
    cp -r dist package.json $app/
    cp assets/icon.png $app/assets/
    find $app/dist -name '*.map' -delete

    # What pkexec runs for "Unlock": our polkit action names exactly this store path.
    makeWrapper ${lib.getExe nodejs_20} $out/libexec/nspawn-desktop/admin-agent \
      --add-flags $app/dist/agent/agent.cjs
    install -Dm644 assets/polkit/org.nspawn-desktop.policy \
      $out/share/polkit-1/actions/org.nspawn-desktop.policy
    substituteInPlace $out/share/polkit-1/actions/org.nspawn-desktop.policy \
      --replace-fail /usr/libexec/nspawn-desktop/admin-agent $out/libexec/nspawn-desktop/admin-agent
    install -Dm644 assets/polkit/50-nspawn-desktop.rules \
      $out/share/doc/nspawn-desktop/examples/50-nspawn-desktop.rules

    makeWrapper ${lib.getExe electron} $out/bin/nspawn-desktop \
      --add-flags $app \
      --set NSD_NODE ${lib.getExe nodejs_20} \
      --set NSD_ADMIN_AGENT $out/libexec/nspawn-desktop/admin-agent

    install -Dm644 assets/nspawn-desktop.desktop $out/share/applications/nspawn-desktop.desktop
    install -Dm644 assets/icon.svg $out/share/icons/hicolor/scalable/apps/nspawn-desktop.svg

    runHook postInstall
  '';

  meta = {
    description = "Desktop manager for systemd-nspawn containers";
    platforms = lib.platforms.linux;
    mainProgram = "nspawn-desktop";
  };
}
