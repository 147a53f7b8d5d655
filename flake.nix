{
  description = "nspawn desktop: a desktop manager for systemd-nspawn containers";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";

  outputs = { self, nixpkgs }:
    let
      systems = [ "x86_64-linux" "aarch64-linux" ];
      forAllSystems = f: nixpkgs.lib.genAttrs systems (system: f nixpkgs.legacyPackages.${system});
    in
    {
      packages = forAllSystems (pkgs: rec {
        nspawn-desktop = pkgs.callPackage ./nix/package.nix { };
        default = nspawn-desktop;
      });

      # programs.nspawn-desktop.enable = true; installs the app and its polkit action.
      nixosModules.nspawn-desktop = import ./nix/module.nix self;
      nixosModules.default = self.nixosModules.nspawn-desktop;
    };
}
