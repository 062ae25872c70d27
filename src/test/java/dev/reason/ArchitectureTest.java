package dev.reason;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The packages' layering, read from the compiled classes (the main ones, not the tests): what each package may use is
 * in its package-info.java.
 */
@AnalyzeClasses(packages = "dev.reason", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    /** bench, cli, distill, engine, model, runtime, sampling, search, serve, weights: each with its subpackages. */
    @ArchTest
    static final ArchRule topLevelPackagesHaveNoCycles =
            slices().matching("dev.reason.(*)..").should().beFreeOfCycles();

    /**
     * Every package on its own, at any depth: dev.reason.engine, dev.reason.engine.cpu and dev.reason.engine.cuda are
     * three slices, so a cycle between a package and its own subpackages shows too.
     */
    @ArchTest
    static final ArchRule noPackagesHaveCycles =
            slices().matching("dev.reason.(**)").should().beFreeOfCycles();

    /** vote, stop, verify and answer, and the search's top (Search, the budget) as a slice of its own. */
    @ArchTest
    static final ArchRule searchPackagesHaveNoCycles =
            slices().assignedFrom(new SearchPackages()).should().beFreeOfCycles();

    @ArchTest
    static final ArchRule enginesKnowNothingOfTheirCallers =
            noClasses().that().resideInAPackage("dev.reason.engine..")
                    .should().dependOnClassesThat().resideInAnyPackage("dev.reason.cli..", "dev.reason.search..",
                            "dev.reason.runtime..", "dev.reason.bench..", "dev.reason.distill..", "dev.reason.serve..");

    /** The interfaces sit below the engines that implement them and the choice that opens one. */
    @ArchTest
    static final ArchRule theEngineInterfacesKnowNoEngine =
            noClasses().that().resideInAPackage("dev.reason.engine")
                    .should().dependOnClassesThat().resideInAnyPackage("dev.reason.engine.cpu..",
                            "dev.reason.engine.cuda..", "dev.reason.engine.choice..");

    /** The CPU and the GPU engine know the interfaces only: not each other, nor the choice above them. */
    @ArchTest
    static final ArchRule theCpuEngineKnowsNoOtherEngine =
            noClasses().that().resideInAPackage("dev.reason.engine.cpu..")
                    .should().dependOnClassesThat().resideInAnyPackage("dev.reason.engine.cuda..",
                            "dev.reason.engine.choice..");

    @ArchTest
    static final ArchRule theCudaEngineKnowsNoOtherEngine =
            noClasses().that().resideInAPackage("dev.reason.engine.cuda..")
                    .should().dependOnClassesThat().resideInAnyPackage("dev.reason.engine.cpu..",
                            "dev.reason.engine.choice..");

    /** The decode loop, the search, bench, distill and serve run an engine through its interfaces only. */
    @ArchTest
    static final ArchRule onlyTheChoiceAndTheCommandLineKnowTheEngines =
            noClasses().that().resideOutsideOfPackages("dev.reason.engine..", "dev.reason.cli..")
                    .should().dependOnClassesThat().resideInAnyPackage("dev.reason.engine.cpu..",
                            "dev.reason.engine.cuda..", "dev.reason.engine.choice..");

    @ArchTest
    static final ArchRule onlyTheCommandLineUsesPicocli =
            noClasses().that().resideOutsideOfPackage("dev.reason.cli..")
                    .should().dependOnClassesThat().resideInAPackage("picocli..");

    /** dev.reason.search's own classes are one slice, each subpackage (with its own subpackages) another. */
    private static final class SearchPackages implements SliceAssignment {
        private static final String SEARCH = "dev.reason.search";

        @Override
        public SliceIdentifier getIdentifierOf(JavaClass javaClass) {
            String p = javaClass.getPackageName();
            if (p.equals(SEARCH)) {
                return SliceIdentifier.of("search");
            }
            if (p.startsWith(SEARCH + ".")) {
                return SliceIdentifier.of("search." + p.substring(SEARCH.length() + 1).split("\\.")[0]);
            }
            return SliceIdentifier.ignore();
        }

        @Override
        public String getDescription() {
            return "dev.reason.search and its subpackages";
        }
    }
}
